// The HTTP/1.1 frontend (Boost.Beast): AWS JSON 1.1 over keep-alive connections.
// The only code that includes Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/ops/api.h"

namespace trent::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4599;
  int threads = 2;
  std::string default_region = "us-east-1";
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  int idle_timeout_seconds = 60;   // keep-alive connection with no request
  int read_timeout_seconds = 30;   // one request must arrive whole within this
};

// Called on a network thread for every well-formed POST; must not block for long.
using Handler = std::function<ops::ApiResponse(const ops::RequestMeta&, std::string_view body)>;

class HttpServer {
 public:
  // Binds and listens; returns an error (e.g. address in use) without throwing.
  static Result<std::unique_ptr<HttpServer>> Create(const ServerOptions& options, Handler handler);
  virtual ~HttpServer() = default;
  // The port actually bound (useful with port 0).
  virtual uint16_t port() const = 0;
  // Serves until SIGTERM/SIGINT or Stop(): stops accepting, lets in-flight requests finish,
  // then returns.
  virtual void Run() = 0;
  virtual void Stop() = 0;
};

}  // namespace trent::http
