// model::LoggableView: what the audit log keeps of requests and answers, by the service model.
#include <catch.hpp>

#include <string>

#include <boost/json.hpp>

#include "server/model/codec.h"
#include "server/model/loggable.h"
#include "server/model/service_model.h"

namespace json = boost::json;
using trent::model::FindOperation;
using trent::model::LoggableView;

namespace {

json::value RequestView(const char* operation, const char* request) {
  const trent::model::Operation* op = FindOperation(operation);
  REQUIRE(op != nullptr);
  return LoggableView(op->input, json::parse(request));
}

json::value ResponseView(const char* operation, const char* response) {
  const trent::model::Operation* op = FindOperation(operation);
  REQUIRE(op != nullptr);
  return LoggableView(op->output, json::parse(response));
}

}  // namespace

TEST_CASE("Encrypt: the plaintext goes, the rest is named as CloudTrail names it") {
  CHECK(RequestView("Encrypt", R"({"KeyId":"alias/a","Plaintext":"c2VjcmV0",
                                    "EncryptionContext":{"Dept":"Eng"},
                                    "EncryptionAlgorithm":"SYMMETRIC_DEFAULT",
                                    "GrantTokens":["token"]})") ==
        json::parse(R"({"keyId":"alias/a","encryptionContext":{"Dept":"Eng"},
                        "encryptionAlgorithm":"SYMMETRIC_DEFAULT"})"));
}

TEST_CASE("Answers lose every blob: data keys, private keys, shared secrets") {
  CHECK(ResponseView("GenerateDataKeyPair",
                     R"({"PrivateKeyCiphertextBlob":"AAAA","PrivateKeyPlaintext":"BBBB",
                         "PublicKey":"CCCC","KeyId":"arn:k","KeyPairSpec":"ECC_NIST_P256"})") ==
        json::parse(R"({"keyId":"arn:k","keyPairSpec":"ECC_NIST_P256"})"));
  CHECK(ResponseView("DeriveSharedSecret", R"({"KeyId":"arn:k","SharedSecret":"AAAA",
                                               "KeyAgreementAlgorithm":"ECDH"})") ==
        json::parse(R"({"keyId":"arn:k","keyAgreementAlgorithm":"ECDH"})"));
  CHECK(ResponseView("CreateGrant", R"({"GrantToken":"bearer","GrantId":"g1"})") ==
        json::parse(R"({"grantId":"g1"})"));
}

TEST_CASE("Nested structures and lists keep their shape; nothing left is null") {
  CHECK(RequestView("CreateKey", R"({"Tags":[{"TagKey":"k","TagValue":"v"}]})") ==
        json::parse(R"({"tags":[{"tagKey":"k","tagValue":"v"}]})"));
  CHECK(RequestView("GenerateRandom", R"({"NumberOfBytes":32})") ==
        json::parse(R"({"numberOfBytes":32})"));
  CHECK(RequestView("ListKeys", "{}").is_null());
  CHECK(RequestView("Decrypt", R"({"CiphertextBlob":"AAAA"})").is_null());
  // Members the shape does not have are not kept.
  CHECK(RequestView("ListKeys", R"({"Plaintext":"c2VjcmV0"})").is_null());
}

TEST_CASE("A view keeps at most about kLoggableBudget bytes: the first members, not the rest") {
  json::object context;
  for (int i = 0; i < 2000; ++i) context[std::to_string(100000 + i)] = std::string(20, 'v');
  const json::object request{{"KeyId", "alias/a"}, {"EncryptionContext", context}};
  const trent::model::Operation* op = FindOperation("Encrypt");
  REQUIRE(op != nullptr);
  const json::value view = LoggableView(op->input, request);
  const json::object& kept = view.at("encryptionContext").as_object();
  CHECK(kept.size() > 100);
  CHECK(kept.size() < 2000);
  CHECK(kept.contains("100000"));
  CHECK(json::serialize(view).size() < trent::model::kLoggableBudget * 2);
}
