#include <catch.hpp>

#include "server/kms/identifiers.h"
#include "server/kms/key.h"

using namespace trent;
using namespace trent::kms;

namespace {

// The ARN of the key below, as AWS names keys in its messages.
const std::string kArn =
    "arn:aws:kms:us-east-1:111122223333:key/0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60";

Key KeyIn(KeyState state) {
  Key key;
  key.region = "us-east-1";
  key.account = "111122223333";
  key.id = "0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60";
  key.state = state;
  return key;
}

}  // namespace

TEST_CASE("only enabled keys may be used") {
  CHECK(RequireUsable(KeyIn(KeyState::kEnabled)).ok());
  Status disabled = RequireUsable(KeyIn(KeyState::kDisabled));
  CHECK(disabled.code() == ErrorCode::kDisabled);
  CHECK(disabled.message() == kArn + " is disabled.");
  Status pending = RequireUsable(KeyIn(KeyState::kPendingDeletion));
  CHECK(pending.code() == ErrorCode::kInvalidState);
  CHECK(pending.message() == kArn + " is pending deletion.");
}

TEST_CASE("enable and disable move between Enabled and Disabled, not out of PendingDeletion") {
  for (KeyState from : {KeyState::kEnabled, KeyState::kDisabled}) {
    CHECK(*NextStateOnEnable(KeyIn(from)) == KeyState::kEnabled);
    CHECK(*NextStateOnDisable(KeyIn(from)) == KeyState::kDisabled);
  }
  CHECK(NextStateOnEnable(KeyIn(KeyState::kPendingDeletion)).status().code() ==
        ErrorCode::kInvalidState);
  CHECK(NextStateOnDisable(KeyIn(KeyState::kPendingDeletion)).status().code() ==
        ErrorCode::kInvalidState);
}

TEST_CASE("deletion is scheduled once and cancelled to Disabled") {
  CHECK(*NextStateOnScheduleDeletion(KeyIn(KeyState::kEnabled)) == KeyState::kPendingDeletion);
  CHECK(*NextStateOnScheduleDeletion(KeyIn(KeyState::kDisabled)) == KeyState::kPendingDeletion);
  CHECK(NextStateOnScheduleDeletion(KeyIn(KeyState::kPendingDeletion)).status().code() ==
        ErrorCode::kInvalidState);
  CHECK(*NextStateOnCancelDeletion(KeyIn(KeyState::kPendingDeletion)) == KeyState::kDisabled);
  CHECK(NextStateOnCancelDeletion(KeyIn(KeyState::kEnabled)).status().code() ==
        ErrorCode::kInvalidState);
}

TEST_CASE("key states round-trip through their names") {
  for (KeyState s : {KeyState::kEnabled, KeyState::kDisabled, KeyState::kPendingDeletion}) {
    CHECK(ParseKeyState(KeyStateName(s)) == s);
  }
  CHECK_FALSE(ParseKeyState("Deleted").has_value());
}

TEST_CASE("key references are classified as KMS does") {
  const std::string id = "0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60";
  KeyRef by_id = ParseKeyRef(id, "eu-west-1", "111122223333");
  CHECK(by_id.kind == KeyRef::Kind::kKeyId);
  CHECK(by_id.region == "eu-west-1");

  KeyRef by_arn = ParseKeyRef("arn:aws:kms:us-west-2:444455556666:key/" + id, "eu-west-1",
                              "111122223333");
  CHECK(by_arn.kind == KeyRef::Kind::kKeyArn);
  CHECK(by_arn.region == "us-west-2");
  CHECK(by_arn.account == "444455556666");
  CHECK(by_arn.key_id == id);

  CHECK(ParseKeyRef("alias/app", "r", "a").kind == KeyRef::Kind::kAliasName);
  KeyRef alias_arn = ParseKeyRef("arn:aws:kms:us-west-2:444455556666:alias/app", "r", "a");
  CHECK(alias_arn.kind == KeyRef::Kind::kAliasArn);
  CHECK(alias_arn.alias == "alias/app");

  const std::string mrk = "mrk-d3b95762d3b95762d3b95762d3b95762";
  KeyRef by_mrk = ParseKeyRef(mrk, "r", "a");
  CHECK(by_mrk.kind == KeyRef::Kind::kKeyId);
  CHECK(by_mrk.key_id == mrk);
  KeyRef by_mrk_arn = ParseKeyRef("arn:aws:kms:us-west-2:444455556666:key/" + mrk, "r", "a");
  CHECK(by_mrk_arn.kind == KeyRef::Kind::kKeyArn);
  CHECK(by_mrk_arn.key_id == mrk);

  // An ARN of KMS names its region even when its resource is not a key or alias.
  CHECK(ParseKeyRef("arn:aws:kms:us-west-2:444455556666:key/nope", "r", "a").region ==
        "us-west-2");

  for (const char* bad : {"", "foo", "0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f6", "arn:aws:kms:us-east-1",
                          "mrk-fake-key-id", "mrk-d3b95762d3b95762d3b95762d3b9576",
                          "mrk-d3b95762d3b95762d3b95762d3b9576g",
                          "MRK-d3b95762d3b95762d3b95762d3b95762",
                          "arn:aws:s3:us-east-1:111122223333:key/0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60",
                          "arn:aws:kms:us-east-1:111122223333:key/nope"}) {
    CHECK(ParseKeyRef(bad, "r", "a").kind == KeyRef::Kind::kInvalid);
  }
}

TEST_CASE("new uuids are well formed and distinct") {
  auto made_a = NewUuid(), made_b = NewUuid();
  REQUIRE(made_a.ok());
  REQUIRE(made_b.ok());
  std::string a = *made_a, b = *made_b;
  CHECK(IsKeyUuid(a));
  CHECK(a != b);
  CHECK(a[14] == '4');
  CHECK(KeyArn("us-east-1", "111122223333", a) == "arn:aws:kms:us-east-1:111122223333:key/" + a);
}

TEST_CASE("a KeyMaterialId is held as its 32 bytes and written back as the same hex") {
  const std::string hex = "00ff10a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c";
  std::optional<KeyMaterialId> id = KeyMaterialId::FromHex(hex);
  REQUIRE(id.has_value());
  CHECK(id->Hex() == hex);
  std::string abab;
  for (int i = 0; i < 32; ++i) abab += "ab";
  CHECK(KeyMaterialId::FromBytes(Bytes(32, 0xab))->Hex() == abab);
  CHECK_FALSE(KeyMaterialId::FromHex(hex.substr(2)).has_value());
  CHECK_FALSE(KeyMaterialId::FromHex("00FF" + hex.substr(4)).has_value());  // not what Hex() writes
  CHECK_FALSE(KeyMaterialId::FromHex("0g" + hex.substr(2)).has_value());
  CHECK_FALSE(KeyMaterialId::FromBytes(Bytes(31, 0)).has_value());
  CHECK(KeyMaterialId::FromHex(hex) == id);
  CHECK_FALSE(KeyMaterialId::FromHex(std::string(64, '0')) == id);
}
