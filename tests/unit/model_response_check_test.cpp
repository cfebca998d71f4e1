// The response checker against answers written by hand: valid ones pass, and each kind of
// mistake is named with its JSON path.
#include <catch.hpp>

#include <string>
#include <string_view>

#include "server/model/codec.h"
#include "server/model/response_check.h"
#include "server/model/service_model.h"

namespace json = boost::json;
using trent::ErrorCode;
using trent::Status;
using trent::model::CheckResponse;
using trent::model::FindOperation;
using trent::model::Operation;

namespace {

Status Check(const char* op, std::string_view answer) {
  const Operation* operation = FindOperation(op);
  REQUIRE(operation != nullptr);
  json::value v = json::parse(answer);
  REQUIRE(v.is_object());
  return CheckResponse(*operation, v.get_object());
}

void Passes(const char* op, std::string_view answer) {
  Status s = Check(op, answer);
  INFO(op << " " << answer << " -> " << s.message());
  CHECK(s.ok());
}

// The problem the checker names, with the operation in front.
std::string Problem(const char* op, std::string_view answer) {
  Status s = Check(op, answer);
  INFO(op << " " << answer);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == ErrorCode::kInternal);
  return s.message();
}

constexpr const char* kArn = "arn:aws:kms:us-east-1:111122223333:key/0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60";

// A KeyMetadata as trent writes it, with one more member spliced in before the closing brace.
std::string Metadata(std::string_view extra = "") {
  std::string m = std::string(R"({"AWSAccountId":"111122223333","KeyId":"0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60",)") +
                  R"("Arn":")" + kArn + R"(","CreationDate":1700000000.123,"Enabled":true,)" +
                  R"("Description":"","KeyUsage":"ENCRYPT_DECRYPT","KeyState":"Enabled",)" +
                  R"("Origin":"AWS_KMS","KeyManager":"CUSTOMER","CustomerMasterKeySpec":"SYMMETRIC_DEFAULT",)" +
                  R"("KeySpec":"SYMMETRIC_DEFAULT","EncryptionAlgorithms":["SYMMETRIC_DEFAULT"],)" +
                  R"("MultiRegion":false)";
  if (!extra.empty()) {
    m += ',';
    m += extra;
  }
  m += '}';
  return m;
}

std::string Describe(std::string_view extra = "") {
  return R"({"KeyMetadata":)" + Metadata(extra) + "}";
}

}  // namespace

TEST_CASE("every operation of the table has its output shape", "[model][response]") {
  auto shape_name = [](const char* op) {
    const Operation* operation = FindOperation(op);
    REQUIRE(operation != nullptr);
    REQUIRE(operation->output != trent::model::kNoShape);
    return std::string(trent::model::ShapeAt(operation->output).name);
  };
  CHECK(shape_name("DescribeKey") == "DescribeKeyResponse");
  CHECK(shape_name("Encrypt") == "EncryptResponse");
  // Both list-grants operations answer the same shape.
  CHECK(shape_name("ListRetirableGrants") == "ListGrantsResponse");
  // 14 operations of the model answer nothing.
  int without_output = 0;
  for (const Operation& op : trent::model::Operations()) {
    if (op.output == trent::model::kNoShape) {
      ++without_output;
    } else {
      CHECK(trent::model::ShapeAt(op.output).type == trent::model::ShapeType::kStructure);
    }
  }
  CHECK(without_output == 14);
  CHECK(FindOperation("EnableKey")->output == trent::model::kNoShape);
}

TEST_CASE("answers as trent writes them pass", "[model][response]") {
  Passes("DescribeKey", Describe());
  Passes("CreateKey", Describe());
  Passes("DescribeKey", Describe(R"("DeletionDate":1700600000.5,"PendingDeletionWindowInDays":7)"));
  Passes("DescribeKey", Describe(R"("CreationDate":1700000000)"));  // whole seconds are numbers too
  Passes("Encrypt", std::string(R"({"CiphertextBlob":"AQID","KeyId":")") + kArn +
                        R"(","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"})");
  Passes("Decrypt", std::string(R"({"KeyId":")") + kArn +
                        R"(","Plaintext":"aGVsbG8=","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"})");
  Passes("GenerateDataKey", std::string(R"({"CiphertextBlob":"AQID","Plaintext":"AAAAAA==","KeyId":")") +
                                kArn + R"("})");
  Passes("GenerateRandom", R"({"Plaintext":""})");
  Passes("ListKeys", std::string(R"({"Keys":[{"KeyId":"k1","KeyArn":")") + kArn +
                         R"("},{"KeyId":"k2","KeyArn":"a"}],"NextMarker":"m","Truncated":true})");
  Passes("ListKeys", R"({"Keys":[],"Truncated":false})");
  Passes("ScheduleKeyDeletion", std::string(R"({"KeyId":")") + kArn +
                                    R"(","DeletionDate":1700600000.0,"KeyState":"PendingDeletion","PendingWindowInDays":30})");
  Passes("ListResourceTags", R"({"Tags":[{"TagKey":"team","TagValue":""}],"Truncated":false})");
  Passes("ListGrants",
         R"({"Grants":[{"Operations":["Encrypt"],"Constraints":{"EncryptionContextSubset":{"a":"b","":""}}}]})");
  Passes("EnableKey", "{}");
  Passes("GetKeyPolicy", "{}");  // nothing is required in most output shapes
}

TEST_CASE("a member the shape does not have is named (a misspelled member)", "[model][response]") {
  // The regression the checker exists for: "KeyID" where the model says "KeyId".
  CHECK(Problem("Encrypt", R"({"CiphertextBlob":"AQID","KeyID":"k","EncryptionAlgorithm":"SYMMETRIC_DEFAULT"})") ==
        "Encrypt: $.KeyID is not a member of EncryptResponse");
  CHECK(Problem("DescribeKey", Describe(R"("KeyStat":"Enabled")")) ==
        "DescribeKey: $.KeyMetadata.KeyStat is not a member of KeyMetadata");
  CHECK(Problem("ListKeys", R"({"Keys":[{"KeyId":"k","Arn":"a"}]})") ==
        "ListKeys: $.Keys[0].Arn is not a member of KeyListEntry");
  // A member of another operation's answer.
  CHECK(Problem("Decrypt", R"({"CiphertextBlob":"AQID"})") ==
        "Decrypt: $.CiphertextBlob is not a member of DecryptResponse");
  // An operation the model gives no output answers {}.
  CHECK(Problem("DisableKey", R"({"KeyId":"k"})") ==
        "DisableKey: $.KeyId is not a member: the model gives DisableKey no output");
}

TEST_CASE("a value of the wrong JSON type is named with what was expected", "[model][response]") {
  CHECK(Problem("DescribeKey", Describe(R"("Enabled":"true")")) ==
        "DescribeKey: $.KeyMetadata.Enabled is a string, expected a boolean (BooleanType)");
  CHECK(Problem("DescribeKey", Describe(R"("CreationDate":"2024-01-01T00:00:00Z")")) ==
        "DescribeKey: $.KeyMetadata.CreationDate is a string, expected a number (epoch seconds) (DateType)");
  CHECK(Problem("DescribeKey", Describe(R"("Description":7)")) ==
        "DescribeKey: $.KeyMetadata.Description is an integer, expected a string (DescriptionType)");
  CHECK(Problem("DescribeKey", Describe(R"("PendingDeletionWindowInDays":7.5)")) ==
        "DescribeKey: $.KeyMetadata.PendingDeletionWindowInDays is a fractional number, expected a "
        "32-bit integer (PendingWindowInDaysType)");
  CHECK(Problem("DescribeKey", Describe(R"("PendingDeletionWindowInDays":2147483648)")) ==
        "DescribeKey: $.KeyMetadata.PendingDeletionWindowInDays is an integer, expected a 32-bit "
        "integer (PendingWindowInDaysType)");
  CHECK(Problem("DescribeKey", Describe(R"("EncryptionAlgorithms":"SYMMETRIC_DEFAULT")")) ==
        "DescribeKey: $.KeyMetadata.EncryptionAlgorithms is a string, expected an array "
        "(EncryptionAlgorithmSpecList)");
  CHECK(Problem("DescribeKey", R"({"KeyMetadata":[]})") ==
        "DescribeKey: $.KeyMetadata is an array, expected an object (KeyMetadata)");
  CHECK(Problem("ListKeys", R"({"Truncated":0})") ==
        "ListKeys: $.Truncated is an integer, expected a boolean (BooleanType)");
  // AWS leaves absent members out: null is never an answer.
  CHECK(Problem("DescribeKey", Describe(R"("DeletionDate":null)")) ==
        "DescribeKey: $.KeyMetadata.DeletionDate is null (AWS leaves absent members out)");
}

TEST_CASE("blobs must be base64 strings; a sensitive value is not shown", "[model][response]") {
  CHECK(Problem("Encrypt", R"({"CiphertextBlob":"AQI"})") ==
        "Encrypt: $.CiphertextBlob is not base64 (CiphertextType): Base64 encoded length is expected "
        "a multiple of 4 bytes but found: 3");
  CHECK(Problem("Encrypt", R"({"CiphertextBlob":[1,2,3]})") ==
        "Encrypt: $.CiphertextBlob is an array, expected a base64 string (CiphertextType)");
  // Plaintext is sensitive: the reason would quote a character of it.
  const std::string problem = Problem("GenerateDataKey", R"({"Plaintext":"secret!!"})");
  CHECK(problem == "GenerateDataKey: $.Plaintext is not base64 (PlaintextType)");
  CHECK(problem.find('!') == std::string::npos);
}

TEST_CASE("an enum value outside the enum is named", "[model][response]") {
  CHECK(Problem("DescribeKey", Describe(R"("KeyState":"enabled")")) ==
        R"(DescribeKey: $.KeyMetadata.KeyState is "enabled", not a value of KeyState)");
  CHECK(Problem("ScheduleKeyDeletion", R"({"KeyState":"Pending"})") ==
        R"(ScheduleKeyDeletion: $.KeyState is "Pending", not a value of KeyState)");
}

TEST_CASE("nested lists, structures and maps are checked", "[model][response]") {
  // An element of a list of enums.
  CHECK(Problem("DescribeKey", Describe(R"("EncryptionAlgorithms":["SYMMETRIC_DEFAULT","AES_GCM"])")) ==
        R"(DescribeKey: $.KeyMetadata.EncryptionAlgorithms[1] is "AES_GCM", not a value of EncryptionAlgorithmSpec)");
  // A member of a structure inside a list.
  CHECK(Problem("ListKeys", R"({"Keys":[{"KeyId":"k1"},{"KeyId":"k2","KeyArn":5}]})") ==
        "ListKeys: $.Keys[1].KeyArn is an integer, expected a string (ArnType)");
  CHECK(Problem("ListKeys", R"({"Keys":["k1"]})") ==
        "ListKeys: $.Keys[0] is a string, expected an object (KeyListEntry)");
  // A required member missing in a structure inside a list.
  CHECK(Problem("ListResourceTags", R"({"Tags":[{"TagKey":"a","TagValue":"b"},{"TagKey":"c"}]})") ==
        "ListResourceTags: $.Tags[1].TagValue is missing (required in Tag)");
  CHECK(Problem("DescribeKey", R"({"KeyMetadata":{"Arn":"a"}})") ==
        "DescribeKey: $.KeyMetadata.KeyId is missing (required in KeyMetadata)");
  // A structure inside a structure inside a list, and a map value there.
  CHECK(Problem("ListGrants", R"({"Grants":[{"Constraints":{"EncryptionContextSubset":{"a\"b":1}}}]})") ==
        R"(ListGrants: $.Grants[0].Constraints.EncryptionContextSubset["a\"b"] is an integer, expected a string (EncryptionContextValue))");
  CHECK(Problem("ListGrants", R"({"Grants":[{"Constraints":{"EncryptionContext":{}}}]})") ==
        "ListGrants: $.Grants[0].Constraints.EncryptionContext is not a member of GrantConstraints");
  CHECK(Problem("DescribeKey", Describe(R"("MultiRegionConfiguration":{"PrimaryKey":{"Arn":"a","Region":1}})")) ==
        "DescribeKey: $.KeyMetadata.MultiRegionConfiguration.PrimaryKey.Region is an integer, expected "
        "a string (RegionType)");
}
