// One record per request, made by the frontend that served it (HTTP/JSON or gRPC) and handed to
// whatever consumes records: the admin API's StreamRecords, the metrics and the audit log.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace trent::records {

struct RequestRecord {
  int64_t time_ms = 0;         // when the request arrived, by the server's clock
  std::string request_id;
  std::string event_id;        // CloudTrail's eventID: CloudTrailEventIdOf(request_id)
  std::string frontend;        // "http" or "grpc"
  std::string operation;       // "Encrypt"; empty when the request named none
  std::string account;         // the caller's account
  std::string principal_arn;   // the caller
  std::string access_key_id;   // as presented, may be empty
  std::string region;
  std::string source_ip;
  std::string user_agent;
  std::vector<std::string> key_arns;  // the keys the request acted on, in the order it did
  std::string error_code;      // the AWS error type ("NotFoundException"); empty on success
  std::string error_message;
  int64_t latency_us = 0;      // from the request read to the answer ready
  bool read_only = true;       // the operation changes nothing stored
  // What may be logged of the request and of the answer (model/loggable.h); null for none.
  boost::json::value request_parameters;
  boost::json::value response_elements;
};

// A consumer of records. Publish is called on the thread that served the request, so it must be
// quick and must not block.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void Publish(RequestRecord record) = 0;
};

// A consumer that looks at each record as it passes, on the serving thread (the metrics, the
// access log).
class RecordObserver {
 public:
  virtual ~RecordObserver() = default;
  virtual void Observe(const RequestRecord& record) = 0;
};

// Shows each record to each observer, in order, then hands it to `next`.
class ObservedSink final : public RecordSink {
 public:
  ObservedSink(std::vector<RecordObserver*> observers, RecordSink& next)
      : observers_(std::move(observers)), next_(next) {}
  void Publish(RequestRecord record) override {
    for (RecordObserver* observer : observers_) observer->Observe(record);
    next_.Publish(std::move(record));
  }

 private:
  const std::vector<RecordObserver*> observers_;
  RecordSink& next_;
};

}  // namespace trent::records
