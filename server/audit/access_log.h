// --access-log: one line per KMS request (HTTP and gRPC) at info level, written as each request's
// record passes (records::RecordObserver), through trentd's log in its format, under the logger
// name "access". A line holds the client's address, the frontend, the operation, the result (OK
// or the AWS error type), the latency, the request id and the user agent; never a body, a
// key id or an error message, so never a secret.
#pragma once

#include <memory>

#include "server/records/record.h"

namespace spdlog {
class logger;
}

namespace trent::audit {

// The logger's name: the "logger" member of the lines in the JSON log format.
constexpr char kAccessLoggerName[] = "access";

class AccessLog final : public records::RecordObserver {
 public:
  // Writes where trentd's log does, in its format: make it after SetUpLogging (server/logging.h).
  AccessLog();
  ~AccessLog() override;

  // Logs the request's line (on the thread that served it).
  void Observe(const records::RequestRecord& record) override;

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace trent::audit
