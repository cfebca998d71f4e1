#include <catch.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <vector>

#include "server/kms/key.h"
#include "server/seed/seed.h"
#include "tests/unit/openssl_der.h"

using namespace trent;

namespace {

const seed::SeedDefaults kDefaults{"111122223333", "us-east-1"};
constexpr const char* kId = "bc436485-5092-42b8-92a3-0aa8b93536dc";
constexpr const char* kId2 = "49c5492b-b1bc-42a8-9a5c-b2015e810c1c";
const std::string kMaterial(64, 'a');

std::string ErrorOf(const std::string& text) {
  auto parsed = seed::Parse(text, kDefaults);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == ErrorCode::kValidation);
  return parsed.status().message();
}

std::string Aes(const std::string& entry_fields, const std::string& metadata = "") {
  return std::string("Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: ") + kId +
         metadata + "}\n" + entry_fields;
}

}  // namespace

TEST_CASE("an empty seed is no error and holds nothing") {
  for (const char* text : {"", "# nothing\n", "~\n"}) {
    auto parsed = seed::Parse(text, kDefaults);
    REQUIRE(parsed.ok());
    CHECK(parsed->keys.empty());
    CHECK(parsed->aliases.empty());
    CHECK(parsed->region == "us-east-1");
  }
}

TEST_CASE("local-kms's first format: Keys as a list of AES keys") {
  auto parsed = seed::Parse(std::string("Keys:\n  - Metadata: {KeyId: ") + kId +
                                "}\n    BackingKeys: [" + kMaterial + "]\n",
                            kDefaults);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->keys.size() == 1);
  CHECK(parsed->keys[0].entry == "Keys[0]");
  CHECK(parsed->keys[0].material.size() == 1);
  CHECK(parsed->keys[0].spec.account == "111122223333");
}

TEST_CASE("NextKeyRotation turns rotation on at that date, a year apart after") {
  auto parsed = seed::Parse(
      Aes("        BackingKeys: [" + kMaterial + "]\n" +
          "        NextKeyRotation: \"2019-09-12T15:19:21+02:00\"\n"),
      kDefaults);
  REQUIRE(parsed.ok());
  const kms::NewKeySpec& spec = parsed->keys[0].spec;
  REQUIRE(spec.next_rotation_ms);
  CHECK(*spec.next_rotation_ms == 1568294361000LL);  // 13:19:21 UTC
  CHECK(spec.rotation_period_days == 365);
  CHECK(ErrorOf(Aes("        BackingKeys: [" + kMaterial + "]\n        NextKeyRotation: soon\n")) ==
        "Keys.Symmetric.Aes[0]: NextKeyRotation must be an ISO 8601 date "
        "(2019-09-12T15:19:21+00:00), got 'soon'");
}

TEST_CASE("Origin EXTERNAL takes exactly one backing key and does not rotate") {
  auto parsed = seed::Parse(Aes("        BackingKeys: [" + kMaterial + "]\n", ", Origin: EXTERNAL"),
                            kDefaults);
  REQUIRE(parsed.ok());
  CHECK(parsed->keys[0].spec.origin == kms::kOriginExternal);
  CHECK(ErrorOf(Aes("", ", Origin: EXTERNAL")) ==
        "Keys.Symmetric.Aes[0]: an EXTERNAL key needs exactly one BackingKeys entry (trent has "
        "no keys pending import)");
  CHECK(ErrorOf(Aes("        BackingKeys: [" + kMaterial + "]\n        RotationPeriodInDays: 90\n",
                    ", Origin: EXTERNAL")) ==
        "Keys.Symmetric.Aes[0]: an EXTERNAL key does not rotate (NextKeyRotation, "
        "RotationPeriodInDays)");
}

TEST_CASE("an AES key without backing keys is generated in the HSM") {
  auto parsed = seed::Parse(Aes(""), kDefaults);
  REQUIRE(parsed.ok());
  CHECK(parsed->keys[0].material.empty());
  CHECK(parsed->keys[0].enabled);
}

TEST_CASE("HMAC material takes AWS's sizes for imported HMAC keys") {
  auto hmac = [](const std::string& spec, size_t bytes) {
    return std::string("Keys:\n  Symmetric:\n    Hmac:\n      - Metadata: {KeyId: ") + kId +
           ", KeySpec: " + spec + "}\n        BackingKeys: [" + std::string(2 * bytes, 'b') +
           "]\n";
  };
  CHECK(seed::Parse(hmac("HMAC_224", 28), kDefaults).ok());
  CHECK(seed::Parse(hmac("HMAC_256", 64), kDefaults).ok());
  CHECK(seed::Parse(hmac("HMAC_512", 128), kDefaults).ok());
  CHECK(ErrorOf(hmac("HMAC_256", 31)) ==
        "Keys.Symmetric.Hmac[0]: BackingKeys[0] is not 32 to 64 bytes of hex");
  CHECK(ErrorOf(hmac("HMAC_384", 129)) ==
        "Keys.Symmetric.Hmac[0]: BackingKeys[0] is not 48 to 128 bytes of hex");
  CHECK(ErrorOf(hmac("SYMMETRIC_DEFAULT", 32)) ==
        "Keys.Symmetric.Hmac[0]: Metadata.KeySpec 'SYMMETRIC_DEFAULT' is not a key spec of this "
        "section");
}

TEST_CASE("errors name the entry") {
  CHECK(ErrorOf("Account: 12\n") == "Account: must be 12 digits, got '12'");
  CHECK(ErrorOf("Region: US_EAST\n") ==
        "Region: must be a region name (lowercase letters, digits, -), got 'US_EAST'");
  CHECK(ErrorOf("Keys: 3\n") == "Keys: must be a mapping");
  CHECK(ErrorOf(Aes("        BackingKeys: [" + kMaterial + ", " + kMaterial + "]\n")) ==
        "Keys.Symmetric.Aes[0]: BackingKeys[1] repeats BackingKeys[0]");
  CHECK(ErrorOf(Aes("        Tags: [{TagKey: aws:x, TagValue: y}]\n")).starts_with(
      "Keys.Symmetric.Aes[0]: Tags: "));
  CHECK(ErrorOf(Aes("        Tags: [{Key: a}]\n")) ==
        "Keys.Symmetric.Aes[0].Tags[0]: TagKey must be 1 to 128 characters");
  CHECK(ErrorOf(Aes("        BackingKeys: {a: b}\n        Extra: 1\n")) ==
        "Keys.Symmetric.Aes[0]: BackingKeys must be a list");
  CHECK(ErrorOf(Aes("        Policy: '{\"Statement\": 3}'\n"))
            .starts_with("Keys.Symmetric.Aes[0]: Policy: "));
  CHECK(ErrorOf(Aes("", ", Enabled: maybe")) ==
        "Keys.Symmetric.Aes[0]: Enabled must be true or false");
  CHECK(ErrorOf(std::string("Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: ") +
                "BC436485-5092-42B8-92A3-0AA8B93536DC}\n")
            .starts_with("Keys.Symmetric.Aes[0]: Metadata.KeyId must be a key id in lowercase"));
  CHECK(ErrorOf(std::string("Aliases:\n  - {AliasName: alias/aws/x, TargetKeyId: ") + kId2 +
                "}\n")
            .starts_with("Aliases[0]: AliasName: "));
  CHECK(ErrorOf(std::string("Aliases:\n  - {AliasName: alias/a, TargetKeyId: ") + kId2 +
                "}\n  - {AliasName: alias/a, TargetKeyId: " + kId + "}\n") ==
        "Aliases[1]: alias/a is seeded twice");
}

TEST_CASE("unknown fields are ignored, as local-kms ignores them, each with a warning") {
  auto parsed = seed::Parse(
      std::string("Key: {}\nKeys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: ") + kId +
          ", Arn: 'arn:aws:kms:x', KeyManager: CUSTOMER}\n        BackingKeys: [" + kMaterial +
          "]\n        Tags: [{TagKey: a, TagValue: b, Note: c}]\n        Comment: 7\n"
          "Aliases:\n  - {AliasName: alias/a, TargetKeyId: " + kId + ", Created: today}\n",
      kDefaults);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->keys.size() == 1);
  CHECK(parsed->keys[0].material.size() == 1);
  CHECK(parsed->keys[0].spec.tags.size() == 1);
  CHECK(parsed->aliases.size() == 1);
  CHECK(parsed->warnings == std::vector<std::string>{
                                "the seed: unknown field 'Key' ignored",
                                "Keys.Symmetric.Aes[0]: unknown field 'Comment' ignored",
                                "Keys.Symmetric.Aes[0].Metadata: unknown field 'Arn' ignored",
                                "Keys.Symmetric.Aes[0].Metadata: unknown field 'KeyManager' ignored",
                                "Keys.Symmetric.Aes[0].Tags[0]: unknown field 'Note' ignored",
                                "Aliases[0]: unknown field 'Created' ignored",
                            });
  // Known fields stay strict.
  CHECK(ErrorOf(Aes("        Comment: 7\n        RotationPeriodInDays: 5\n")) ==
        "Keys.Symmetric.Aes[0]: RotationPeriodInDays must be a whole number from 90 to 2560");
}

TEST_CASE("a message never holds a long value from the file") {
  // A bad indentation turns the lines after it into one field name.
  const std::string text = "Keys:\n  Symmetric:\n    \"  - " + kMaterial + "\": 1\n";
  auto parsed = seed::Parse(text, kDefaults);
  REQUIRE(parsed.ok());
  CHECK(parsed->warnings == std::vector<std::string>{
                                "Keys.Symmetric: unknown field a value of 68 bytes (not shown) "
                                "ignored"});
  CHECK(ErrorOf(Aes("", ", Origin: " + kMaterial)) ==
        "Keys.Symmetric.Aes[0]: Metadata.Origin must be AWS_KMS or EXTERNAL, got a value of 64 "
        "bytes (not shown)");
}

TEST_CASE("a message never holds key material") {
  const std::string secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
  const std::string message = ErrorOf(Aes("        BackingKeys: [" + secret + "]\n"));
  CHECK(message == "Keys.Symmetric.Aes[0]: BackingKeys[0] is not 32 bytes of hex");
  CHECK(message.find(secret) == std::string::npos);
}

namespace {

// `key` as unencrypted PKCS#8 PEM, indented for a YAML block scalar.
std::string PemBlock(EVP_PKEY* key, const std::string& indent) {
  std::unique_ptr<BIO, openssl::Deleter<BIO_free>> bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string out;
  std::string line;
  for (char c : std::string(data, static_cast<size_t>(n))) {
    if (c != '\n') {
      line += c;
      continue;
    }
    out += indent + line + "\n";
    line.clear();
  }
  return out;
}

std::string Ecc(EVP_PKEY* key, const std::string& metadata = "") {
  return std::string("Keys:\n  Asymmetric:\n    Ecc:\n      - Metadata: {KeyId: ") + kId +
         metadata + "}\n        PrivateKeyPem: |\n" + PemBlock(key, "          ");
}

}  // namespace

TEST_CASE("an Ed25519 PrivateKeyPem is an ECC_NIST_EDWARDS25519 key of Keys.Asymmetric.Ecc") {
  openssl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(ed);
  auto parsed = seed::Parse(Ecc(ed.get()), kDefaults);
  INFO((parsed.ok() ? "" : parsed.status().message()));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->keys.size() == 1);
  CHECK(parsed->keys[0].spec.key_spec == "ECC_NIST_EDWARDS25519");
  CHECK(parsed->keys[0].spec.key_usage == "SIGN_VERIFY");
  REQUIRE(parsed->keys[0].material.size() == 1);
  CHECK(parsed->keys[0].material[0].view() == testing::Pkcs8(ed.get()).view());

  CHECK(seed::Parse(Ecc(ed.get(), ", KeySpec: ECC_NIST_EDWARDS25519"), kDefaults).ok());
  CHECK(ErrorOf(Ecc(ed.get(), ", KeySpec: ECC_NIST_P256")) ==
        "Keys.Asymmetric.Ecc[0]: PrivateKeyPem is a ECC_NIST_EDWARDS25519 key, not ECC_NIST_P256");
  CHECK(ErrorOf(Ecc(ed.get(), ", KeyUsage: ENCRYPT_DECRYPT")) ==
        "Keys.Asymmetric.Ecc[0]: Metadata.KeyUsage 'ENCRYPT_DECRYPT' is not a usage of "
        "ECC_NIST_EDWARDS25519");
  std::string rsa_section = Ecc(ed.get());
  rsa_section.replace(rsa_section.find("Ecc:"), 4, "Rsa:");
  CHECK(ErrorOf(rsa_section) ==
        "Keys.Asymmetric.Rsa[0]: PrivateKeyPem is a ECC_NIST_EDWARDS25519 key, not one of this "
        "section");
  openssl::PkeyPtr x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  REQUIRE(x25519);
  CHECK(ErrorOf(Ecc(x25519.get())) ==
        "Keys.Asymmetric.Ecc[0]: PrivateKeyPem must be an RSA, EC or Ed25519 private key");
}
