// One record per request, made by the frontend that served it (HTTP/JSON or gRPC) and handed to
// whatever consumes records: the admin API's StreamRecords now, metrics and the audit log later.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace trent::records {

struct RequestRecord {
  int64_t time_ms = 0;         // when the request arrived, by the server's clock
  std::string request_id;
  std::string frontend;        // "http" or "grpc"
  std::string operation;       // "Encrypt"; empty when the request named none
  std::string account;         // the caller's account
  std::string principal_arn;   // the caller
  std::string access_key_id;   // as presented, may be empty
  std::string region;
  std::string source_ip;
  std::vector<std::string> key_arns;  // the keys the request acted on, in the order it did
  std::string error_code;      // the AWS error type ("NotFoundException"); empty on success
  std::string error_message;
  int64_t latency_us = 0;      // from the request read to the answer ready
};

// A consumer of records. Publish is called on the thread that served the request, so it must be
// quick and must not block.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void Publish(RequestRecord record) = 0;
};

}  // namespace trent::records
