#include <catch.hpp>

#include "server/ops/shared.h"

using namespace trent;

namespace {

// The ARN of the key below, as AWS names keys in its messages.
const std::string kArn =
    "arn:aws:kms:us-east-1:111122223333:key/0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60";

kms::Key KeyWithUsage(const char* usage) {
  kms::Key key;
  key.region = "us-east-1";
  key.account = "111122223333";
  key.id = "0b0c7a1e-6d4e-4f55-9a0c-1b2c3d4e5f60";
  key.key_usage = usage;
  return key;
}

}  // namespace

TEST_CASE("a key of another usage is refused naming the operation, as AWS words it") {
  CHECK(ops::RequireEncryptDecrypt(KeyWithUsage("ENCRYPT_DECRYPT"), "Encrypt").ok());
  kms::Key signing = KeyWithUsage("SIGN_VERIFY");
  Status s = ops::RequireEncryptDecrypt(signing, "Encrypt");
  CHECK(s.code() == ErrorCode::kInvalidKeyUsage);
  CHECK(s.message() == kArn + " key usage is SIGN_VERIFY which is not valid for Encrypt.");
  CHECK(ops::RequireEncryptDecrypt(signing, "GenerateDataKey").message() ==
        kArn + " key usage is SIGN_VERIFY which is not valid for GenerateDataKey.");
}

TEST_CASE("the key's usage is checked before its state, as AWS does") {
  kms::Key key = KeyWithUsage("SIGN_VERIFY");
  key.state = kms::KeyState::kDisabled;
  CHECK(ops::RequireEncryptDecrypt(key, "Decrypt").code() == ErrorCode::kInvalidKeyUsage);
  CHECK(ops::RequireUsage(key, "SIGN_VERIFY", "Sign").code() == ErrorCode::kDisabled);
}
