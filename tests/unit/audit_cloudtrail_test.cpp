// audit::CloudTrailEvent: a request record as a CloudTrail event of KMS.
#include <catch.hpp>

#include <boost/json.hpp>

#include "server/audit/cloudtrail.h"

namespace json = boost::json;
using trent::audit::CloudTrailEvent;
using trent::records::RequestRecord;

namespace {

constexpr char kKeyArn[] = "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";

RequestRecord Record(const char* principal) {
  RequestRecord r;
  r.time_ms = 1747773976123;  // 2025-05-20T20:46:16.123Z
  r.request_id = "f3423043-63bc-11e4-bc2b-4198b6150d5c";
  r.event_id = "91235988-eb87-476a-ac2c-0cdc244e6dca";
  r.operation = "Encrypt";
  r.account = "444455556666";
  r.principal_arn = principal;
  r.access_key_id = "AKIAEXAMPLE";
  r.region = "eu-west-1";
  r.source_ip = "192.0.2.0";
  r.user_agent = "aws-cli/2";
  r.key_arns = {kKeyArn};
  r.request_parameters = json::parse(R"({"keyId":"alias/a"})");
  return r;
}

}  // namespace

TEST_CASE("An IAM user's successful call") {
  const json::object event =
      json::parse(CloudTrailEvent(Record("arn:aws:iam::444455556666:user/Alice"))).as_object();
  CHECK(event == json::parse(R"({
    "eventVersion": "1.11",
    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::444455556666:user/Alice",
                     "accountId": "444455556666", "accessKeyId": "AKIAEXAMPLE",
                     "userName": "Alice"},
    "eventTime": "2025-05-20T20:46:16Z", "eventSource": "kms.amazonaws.com",
    "eventName": "Encrypt", "awsRegion": "eu-west-1", "sourceIPAddress": "192.0.2.0",
    "userAgent": "aws-cli/2", "requestParameters": {"keyId": "alias/a"},
    "responseElements": null, "requestID": "f3423043-63bc-11e4-bc2b-4198b6150d5c",
    "eventID": "91235988-eb87-476a-ac2c-0cdc244e6dca", "readOnly": true,
    "resources": [{"accountId": "444455556666", "type": "AWS::KMS::Key",
                   "ARN": "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab"}],
    "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "444455556666",
    "eventCategory": "Management"})"));
}

TEST_CASE("The root, an assumed role, and a failed call") {
  RequestRecord root = Record("arn:aws:iam::444455556666:root");
  root.error_code = "NotFoundException";
  root.error_message = "Key 'x' does not exist";
  root.key_arns.clear();
  const json::object event = json::parse(CloudTrailEvent(root)).as_object();
  CHECK(event.at("userIdentity").at("type") == "Root");
  CHECK(event.at("userIdentity").at("principalId") == "444455556666");
  CHECK(event.at("errorCode") == "NotFoundException");
  CHECK(event.at("errorMessage") == "Key 'x' does not exist");
  CHECK_FALSE(event.contains("resources"));

  const json::object role = json::parse(CloudTrailEvent(Record(
      "arn:aws:sts::444455556666:assumed-role/Deployer/session"))).as_object();
  CHECK(role.at("userIdentity").at("type") == "AssumedRole");
  CHECK_FALSE(role.at("userIdentity").as_object().contains("userName"));
}
