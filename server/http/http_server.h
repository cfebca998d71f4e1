// The HTTP/1.1 frontend (Boost.Beast): AWS JSON 1.1 over keep-alive connections.
// Only server/http/*.cpp include Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "server/auth/identity_store.h"
#include "server/http/request_reader.h"
#include "server/ops/api.h"
#include "server/records/record.h"

namespace trent::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4599;
  int threads = 2;
  std::string default_region = "us-east-1";
  RequestLimits limits;
  int idle_timeout_seconds = 60;   // keep-alive connection with no request
  int read_timeout_seconds = 30;   // one request must arrive whole within this
  // Open connections at most: a new one beyond it takes the place of the longest-idle
  // keep-alive connection, or is closed at once when none is idle.
  size_t max_connections = 1024;
  int blocking_threads = 16;       // threads for the operations that may block
  int compute_threads = 2;         // threads for the operations that compute long (`computes`)
  // The identities of --credentials-file; null for none. A request signed with one of their
  // access keys is that identity's; any other is the default account's root (ops::RequestMeta).
  const auth::IdentityStore* identities = nullptr;
  // --auth strict: every KMS request's SigV4 signature is verified (sigv4.h VerifyRequest) at
  // `clock`'s time, and a request that fails is answered with the error, before any operation.
  bool verify_signatures = false;
  const Clock* clock = nullptr;  // the server's clock: signature times, record times
  // Where each KMS request's record goes (ops::MakeRecord); null: nowhere.
  records::RecordSink* records = nullptr;
};

// Serves every well-formed POST. `serve` runs on the connection's network thread, where it must
// not block, unless `blocks` says the operation may (e.g. it waits for a durable write): then it
// runs on one of the blocking threads, the network thread serves other connections meanwhile,
// and the answer is written from the network thread again.
// `serve` answers with the operation layer's Outcome, which this frontend encodes as AWS JSON.
// Requests to a path under admin::kAdminPathPrefix go to `admin` instead, on a blocking thread,
// with the peer's address (who may call the admin API is the admin module's to decide).
// GET /metrics answers `metrics` (the Prometheus text), on a blocking thread; GET /healthz
// answers 200 while serving and 503 once a shutdown has begun.
// An operation that `defers` goes to `serve_later` instead, on the network thread: it queues its
// write and returns; `resume` brings the rest back to the network thread, where `done` answers
// (see ops::Dispatcher::DispatchLater), with no blocking thread held meanwhile.
struct Handler {
  std::function<ops::Outcome(const ops::RequestMeta&, std::string_view body)> serve;
  std::function<bool(std::string_view operation)> blocks = {};  // empty: nothing blocks
  std::function<bool(std::string_view operation)> defers = {};  // empty: nothing defers
  // False: not served later after all (nothing done): then as `serve` on a blocking thread.
  std::function<bool(const ops::RequestMeta&, std::string_view body,
                     std::function<void(std::function<void()>)> resume,
                     std::function<void(ops::Outcome)> done)>
      serve_later = {};
  std::function<ops::ApiResponse(std::string_view path, std::string_view body,
                                 std::string_view peer_ip)>
      admin = {};
  std::function<std::string()> metrics = {};  // empty: /metrics answers 404
  // Operations that do not block but compute for long (an asymmetric signature: 0.05-5 ms) run
  // on one of the compute threads, so that the network thread serves other connections
  // meanwhile; fewer of them than blocking threads, since they keep a core busy.
  std::function<bool(std::string_view operation)> computes = {};  // empty: none
};

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
