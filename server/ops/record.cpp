#include "server/ops/api.h"

#include "common/uuid.h"

namespace trent::ops {

records::RequestRecord MakeRecord(const RequestMeta& meta, const Outcome& outcome,
                                  std::string_view frontend, int64_t now_ms, int64_t latency_us) {
  records::RequestRecord r;
  r.time_ms = now_ms - latency_us / 1000;
  r.request_id = meta.request_id;
  CloudTrailEventIdOf(meta.request_id, r.event_id);
  r.frontend = frontend;
  r.operation = meta.operation;
  r.account = outcome.account.empty() ? std::string_view(meta.account) : outcome.account;
  r.principal_arn =
      outcome.principal_arn.empty() ? std::string_view(meta.principal_arn) : outcome.principal_arn;
  r.access_key_id = meta.access_key_id;
  r.region = meta.region;
  r.source_ip = meta.source_ip;
  r.user_agent = meta.user_agent;
  r.key_arns = outcome.key_arns;
  if (!outcome.output.ok()) {
    r.error_code = AwsErrorType(outcome.output.status().code());
    r.error_message = outcome.output.status().message();
  }
  r.latency_us = latency_us;
  r.read_only = outcome.read_only;
  r.request_parameters = outcome.request_parameters;
  r.response_elements = outcome.response_elements;
  return r;
}

}  // namespace trent::ops
