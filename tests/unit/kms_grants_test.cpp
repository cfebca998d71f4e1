#include <catch.hpp>

#include <string>

#include "common/base64.h"
#include "server/kms/grants.h"

using namespace trent;
using namespace trent::kms;

namespace {

constexpr std::string_view kKeyId = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5";

Key KeyOf(std::string spec, std::string usage) {
  Key key;
  key.id = std::string(kKeyId);
  key.key_spec = std::move(spec);
  key.key_usage = std::move(usage);
  return key;
}

}  // namespace

TEST_CASE("grant ids are 64 lowercase hex characters, different each time") {
  auto a = NewGrantId();
  auto b = NewGrantId();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == 64);
  CHECK(a->find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(*a != *b);
}

TEST_CASE("a grant token names its key and grant, and is new each time") {
  auto id = NewGrantId();
  REQUIRE(id.ok());
  auto t1 = NewGrantToken(kKeyId, *id);
  auto t2 = NewGrantToken(kKeyId, *id);
  REQUIRE(t1.ok());
  REQUIRE(t2.ok());
  CHECK(*t1 != *t2);
  CHECK(Base64Check(*t1).ok());
  auto ref = ParseGrantToken(*t1);
  REQUIRE(ref.ok());
  CHECK(ref->key_id == kKeyId);
  CHECK(ref->grant_id == *id);
}

TEST_CASE("anything else is an invalid grant token") {
  auto id = NewGrantId();
  REQUIRE(id.ok());
  auto token = NewGrantToken(kKeyId, *id);
  REQUIRE(token.ok());
  std::string other_version = *token;
  std::string raw(117, 'a');
  raw[0] = 2;
  other_version.clear();
  Base64EncodeAppend(raw, other_version);
  std::string bad_chars;
  raw[0] = 1;
  raw[5] = 'Z';
  Base64EncodeAppend(raw, bad_chars);
  for (const std::string& bad : {std::string(""), std::string("bogus"), token->substr(4),
                                 *token + "AAAA", std::string(token->size(), '!'), other_version,
                                 bad_chars}) {
    auto parsed = ParseGrantToken(bad);
    INFO(bad);
    CHECK(parsed.status().code() == ErrorCode::kInvalidGrantToken);
  }
}

TEST_CASE("which grant operations each kind of key supports") {
  Key symmetric = KeyOf("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT");
  Key rsa = KeyOf("RSA_2048", "ENCRYPT_DECRYPT");
  Key signing = KeyOf("ECC_NIST_P256", "SIGN_VERIFY");
  Key hmac = KeyOf("HMAC_256", "GENERATE_VERIFY_MAC");
  Key agreement = KeyOf("ECC_NIST_P384", "KEY_AGREEMENT");
  for (const Key* key : {&symmetric, &rsa, &signing, &hmac, &agreement}) {
    for (std::string_view op : {"CreateGrant", "RetireGrant", "DescribeKey"}) {
      CHECK(KeySupportsGrantOperation(*key, op));
    }
  }
  for (std::string_view op : {"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo",
                              "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
                              "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"}) {
    CHECK(KeySupportsGrantOperation(symmetric, op));
  }
  for (std::string_view op : {"Sign", "Verify", "GenerateMac", "VerifyMac", "GetPublicKey",
                              "DeriveSharedSecret"}) {
    CHECK_FALSE(KeySupportsGrantOperation(symmetric, op));
  }
  CHECK(KeySupportsGrantOperation(rsa, "Encrypt"));
  CHECK(KeySupportsGrantOperation(rsa, "GetPublicKey"));
  CHECK_FALSE(KeySupportsGrantOperation(rsa, "GenerateDataKey"));
  CHECK_FALSE(KeySupportsGrantOperation(rsa, "GenerateDataKeyPairWithoutPlaintext"));
  CHECK(KeySupportsGrantOperation(signing, "Sign"));
  CHECK(KeySupportsGrantOperation(signing, "GetPublicKey"));
  CHECK_FALSE(KeySupportsGrantOperation(signing, "Encrypt"));
  CHECK(KeySupportsGrantOperation(hmac, "VerifyMac"));
  CHECK_FALSE(KeySupportsGrantOperation(hmac, "GetPublicKey"));
  CHECK(KeySupportsGrantOperation(agreement, "DeriveSharedSecret"));
  CHECK(KeySupportsGrantOperation(agreement, "GetPublicKey"));
  CHECK_FALSE(KeySupportsGrantOperation(agreement, "Sign"));
  CHECK(KeyTakesGrantConstraints(symmetric));
  for (const Key* key : {&rsa, &signing, &hmac, &agreement}) {
    CHECK_FALSE(KeyTakesGrantConstraints(*key));
  }
}
