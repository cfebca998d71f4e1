#include "server/audit/cloudtrail.h"

#include <ctime>

#include <boost/json/serialize.hpp>

#include "policy/arn.h"

namespace trent::audit {
namespace {

// "2025-05-20T20:46:16Z"
std::string EventTime(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, n);
}

// CloudTrail's userIdentity from the caller's ARN: the account's root, an IAM user (with its
// name) or an assumed role. trent has no principal ids other than the root's (its account id).
boost::json::object UserIdentity(const records::RequestRecord& r) {
  boost::json::object identity;
  policy::ArnParts parts{};
  const std::string_view name =
      policy::SplitArn(r.principal_arn, parts) ? parts[policy::kArnResource] : "";
  if (name == "root") {
    identity["type"] = "Root";
    identity["principalId"] = r.account;
  } else if (name.starts_with("assumed-role/")) {
    identity["type"] = "AssumedRole";
  } else {
    identity["type"] = "IAMUser";
  }
  identity["arn"] = r.principal_arn;
  identity["accountId"] = r.account;
  if (!r.access_key_id.empty()) identity["accessKeyId"] = r.access_key_id;
  if (name.starts_with("user/")) {
    const std::string_view user = name.substr(name.rfind('/') + 1);
    identity["userName"] = user;
  }
  return identity;
}

std::string_view AccountOfArn(std::string_view arn) {
  policy::ArnParts parts{};
  return policy::SplitArn(arn, parts) ? parts[policy::kArnAccount] : "";
}

}  // namespace

std::string CloudTrailEvent(const records::RequestRecord& r) {
  boost::json::object event;
  event["eventVersion"] = kEventVersion;
  event["userIdentity"] = UserIdentity(r);
  event["eventTime"] = EventTime(r.time_ms);
  event["eventSource"] = kEventSource;
  event["eventName"] = r.operation;
  event["awsRegion"] = r.region;
  event["sourceIPAddress"] = r.source_ip;
  event["userAgent"] = r.user_agent;
  if (!r.error_code.empty()) {
    event["errorCode"] = r.error_code;
    event["errorMessage"] = r.error_message;
  }
  event["requestParameters"] = r.request_parameters;
  event["responseElements"] = r.response_elements;
  event["requestID"] = r.request_id;
  event["eventID"] = r.event_id;
  event["readOnly"] = r.read_only;
  boost::json::array resources;
  for (const std::string& arn : r.key_arns) {
    resources.push_back(boost::json::object{
        {"accountId", AccountOfArn(arn)}, {"type", "AWS::KMS::Key"}, {"ARN", arn}});
  }
  if (!resources.empty()) event["resources"] = std::move(resources);
  event["eventType"] = "AwsApiCall";
  event["managementEvent"] = true;
  event["recipientAccountId"] = r.account;
  event["eventCategory"] = "Management";
  return boost::json::serialize(event);
}

}  // namespace trent::audit
