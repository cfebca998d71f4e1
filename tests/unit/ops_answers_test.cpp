// The answers of trent's real handlers (a real SoftHSM token and SQLite file behind them) checked
// against the output shapes of the service model, whether or not this build checks them in the
// dispatcher (TRENT_CHECK_RESPONSES).
#include <catch.hpp>

#include <set>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/clock.h"
#include "hsm/hsm.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "server/kms/last_usage.h"
#include "server/model/codec.h"
#include "server/model/response_check.h"
#include "server/model/service_model.h"
#include "server/ops/dispatcher.h"
#include "storage/key_repository.h"
#include "tests/unit/softhsm_dir.h"

namespace json = boost::json;
using namespace trent;

namespace {

// trentd's parts over a SoftHSM token and a SQLite file in a temporary directory.
struct Server {
  testing::TempDir dir{"trent-answers"};
  std::unique_ptr<hsm::Hsm> hsm;
  std::unique_ptr<storage::KeyRepository> repo;
  std::unique_ptr<kms::KeyStore> keys;
  std::unique_ptr<kms::KeyCrypto> crypto;
  SystemClock clock;
  kms::UsageTracker usage{0};
  std::unique_ptr<ops::Services> services;
  std::unique_ptr<ops::Dispatcher> dispatcher;

  Server() {
    auto h = hsm::Hsm::Open(testing::SoftHsmIn(dir.path, "answers-test"));
    REQUIRE(h.ok());
    hsm = std::move(*h);
    auto r = storage::KeyRepository::Open((dir.path / "trent.db").string());
    REQUIRE(r.ok());
    repo = std::move(*r);
    auto k = kms::KeyStore::Load(*repo, *hsm, 1000, kms::MaterialCache::kDefaultCapacity);
    REQUIRE(k.ok());
    keys = std::move(*k);
    crypto = std::make_unique<kms::KeyCrypto>(*keys);
    services = std::make_unique<ops::Services>(ops::Services{*keys, *crypto, usage, clock, "111122223333"});
    dispatcher = std::make_unique<ops::Dispatcher>(*services);
  }

  ops::Outcome Call(std::string_view operation, const std::string& body) {
    // No principal: the default account's root, as for a request without known credentials.
    ops::RequestMeta meta;
    meta.operation = operation;
    meta.region = "us-east-1";
    meta.access_key_id = "test";
    meta.request_id = "request-1";
    meta.source_ip = "127.0.0.1";
    return dispatcher->Dispatch(meta, body);
  }
};

// The answer's output, encoded as the AWS JSON frontend encodes it and parsed again, after
// checking it against the operation's output shape.
json::object CheckedAnswer(std::string_view operation, ops::Outcome answer) {
  INFO(operation << " answered " << AwsErrorType(answer.output.status().code()) << " "
                 << answer.output.status().message());
  REQUIRE(answer.output.ok());
  json::value v = json::parse(model::EncodeResponse(*answer.output));
  REQUIRE(v.is_object());
  const model::Operation* op = model::FindOperation(operation);
  REQUIRE(op != nullptr);
  Status checked = model::CheckResponse(*op, v.get_object());
  INFO(checked.message());
  CHECK(checked.ok());
  return std::move(v.get_object());
}

std::string Quoted(std::string_view s) { return json::serialize(json::string_view(s)); }

}  // namespace

TEST_CASE("every answer of every implemented operation matches its output shape", "[ops][response]") {
  Server server;
  std::set<std::string> answered;
  auto call = [&](std::string_view operation, const std::string& body) {
    answered.emplace(operation);
    return CheckedAnswer(operation, server.Call(operation, body));
  };

  json::object created = call("CreateKey",
      R"({"Description":"answers","Tags":[{"TagKey":"team","TagValue":"storage"}]})");
  const std::string arn(created.at("KeyMetadata").at("Arn").as_string());
  const std::string key = Quoted(arn);
  call("CreateKey", "{}");
  call("DescribeKey", R"({"KeyId":)" + key + "}");
  json::object page = call("ListKeys", R"({"Limit":1})");
  CHECK(page.at("Truncated").as_bool());
  call("ListKeys", R"({"Marker":)" + Quoted(std::string(page.at("NextMarker").as_string())) + "}");

  json::object encrypted = call("Encrypt",
      R"({"KeyId":)" + key + R"(,"Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"}})");
  const std::string ciphertext = Quoted(std::string(encrypted.at("CiphertextBlob").as_string()));
  call("Decrypt", R"({"CiphertextBlob":)" + ciphertext + R"(,"EncryptionContext":{"a":"b"}})");
  call("ReEncrypt", R"({"CiphertextBlob":)" + ciphertext +
                        R"(,"SourceEncryptionContext":{"a":"b"},"DestinationKeyId":)" + key + "}");
  call("GenerateDataKey", R"({"KeyId":)" + key + R"(,"KeySpec":"AES_256"})");
  call("GenerateDataKeyWithoutPlaintext", R"({"KeyId":)" + key + R"(,"NumberOfBytes":16})");
  call("GenerateRandom", R"({"NumberOfBytes":32})");

  call("DisableKey", R"({"KeyId":)" + key + "}");
  call("DescribeKey", R"({"KeyId":)" + key + "}");
  call("EnableKey", R"({"KeyId":)" + key + "}");
  call("ScheduleKeyDeletion", R"({"KeyId":)" + key + R"(,"PendingWindowInDays":7})");
  json::object pending = call("DescribeKey", R"({"KeyId":)" + key + "}");
  CHECK(pending.at("KeyMetadata").at("KeyState").as_string() == "PendingDeletion");
  call("CancelKeyDeletion", R"({"KeyId":)" + key + "}");

  // Operations added later without a request above: asked about a fresh key with the request
  // most key operations take; whatever they answer with 200 is checked too.
  const std::string fresh = Quoted(std::string(
      call("CreateKey", "{}").at("KeyMetadata").at("Arn").as_string()));
  for (const model::Operation& op : model::Operations()) {
    if (answered.count(op.name)) continue;
    ops::Outcome answer = server.Call(op.name, R"({"KeyId":)" + fresh + "}");
    if (answer.output.ok()) CheckedAnswer(op.name, std::move(answer));
  }
}
