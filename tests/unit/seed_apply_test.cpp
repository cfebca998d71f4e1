// seed::Apply against a real key store (SoftHSM, SQLite): all or nothing. A seed the store
// refuses (a key id taken by other material, an alias to no key, the key quota) changes
// nothing; a creation failing midway (here the HSM refusing an import) is undone, token
// objects included. Seeded Ed25519 keys are token objects, made once however often the seed
// is applied, and removed with their key.
#include <catch.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <vector>

#include "hsm/hsm_testing.h"
#include "server/kms/key_store.h"
#include "server/seed/seed.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/openssl_der.h"

using namespace trent;

namespace {

const seed::SeedDefaults kSeedDefaults{"111122223333", "us-east-1"};
constexpr const char* kEdId = "7d4c1f9a-2b3e-4f5a-8c6d-9e0f1a2b3c4d";
constexpr const char* kAesId = "bc436485-5092-42b8-92a3-0aa8b93536dc";
constexpr const char* kOtherId = "49c5492b-b1bc-42a8-9a5c-b2015e810c1c";
constexpr const char* kUnknownId = "0b7f0c3e-6a3c-4c9e-9f5e-3c1a2b4d5e6f";

std::string IndentedPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, openssl::Deleter<BIO_free>> bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string out = "          ";
  for (char c : std::string(data, static_cast<size_t>(n))) {
    out += c;
    if (c == '\n') out += "          ";
  }
  return out + "\n";
}

// A seed of an AES key of `aes_hex`, an Ed25519 key, the Ecc entries `more_ecc` after it
// and `aliases` (the seed's Aliases section, or nothing).
std::string SeedText(EVP_PKEY* ed, const std::string& aes_hex, const std::string& more_ecc = "",
                     const std::string& aliases = "") {
  return std::string("Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: ") + kAesId +
         "}\n        BackingKeys: [" + aes_hex + "]\n" + "  Asymmetric:\n    Ecc:\n" +
         "      - Metadata: {KeyId: " + kEdId + "}\n        PrivateKeyPem: |\n" +
         IndentedPem(ed) + more_ecc + aliases;
}

seed::Seed MustParse(const std::string& text) {
  auto parsed = seed::Parse(text, kSeedDefaults);
  INFO((parsed.ok() ? "" : parsed.status().message()));
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

size_t TokenKeys(hsm::Hsm& hsm) {
  auto objects = hsm::ListModuleObjectsForTesting(hsm);
  REQUIRE(objects.ok());
  size_t n = 0;
  for (const hsm::ModuleObject& o : *objects) {
    if (o.token_object && o.object_class == hsm::ModuleObject::Class::kPrivateKey) ++n;
  }
  return n;
}

// Every key id and alias name of the store, to compare before and after.
std::vector<std::string> Contents(const kms::KeyStore& keys) {
  std::vector<std::string> out;
  for (const kms::KeyPtr& key : keys.ListIn({})) {
    out.push_back(key->id + " " + key->key_spec + " " + std::to_string(key->versions.size()));
  }
  for (const kms::AliasPtr& alias : keys.ListAliases("111122223333", "us-east-1", "", 100)) {
    out.push_back(alias->name + " -> " + alias->target_key_id);
  }
  return out;
}

const std::string kAesHex(64, 'a');

}  // namespace

TEST_CASE("a seeded Ed25519 key is one token object, however often the seed is applied") {
  testing::TempDir dir;
  testing::OpenStore open(dir.path);
  openssl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(ed);
  const std::string text = SeedText(ed.get(), kAesHex);
  seed::Seed first = MustParse(text);
  auto applied = seed::Apply(first, *open.keys, 1);
  REQUIRE(applied.ok());
  CHECK(applied->keys_created == 2);
  CHECK(TokenKeys(*open.hsm) == 1);
  kms::KeyPtr key = open.keys->Find(kEdId);
  REQUIRE(key);
  CHECK(key->key_spec == "ECC_NIST_EDWARDS25519");
  CHECK(key->current_version().public_key == testing::Spki(ed.get()));

  open.Reload();
  seed::Seed again = MustParse(text);
  applied = seed::Apply(again, *open.keys, 2);
  REQUIRE(applied.ok());
  CHECK(applied->keys_created == 0);
  CHECK(applied->keys_existing == 2);
  CHECK(TokenKeys(*open.hsm) == 1);

  // Another Ed25519 key under the same id is refused.
  openssl::PkeyPtr other(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  seed::Seed clash = MustParse(SeedText(other.get(), kAesHex));
  CHECK(seed::Apply(clash, *open.keys, 3).status().message() ==
        "Keys.Asymmetric.Ecc[0]: key " + std::string(kEdId) +
            " exists already with another key material (a seed leaves existing keys as they "
            "are)");
  CHECK(TokenKeys(*open.hsm) == 1);

  REQUIRE(open.keys->DeleteKeys({open.keys->Find(kEdId)}).ok());
  CHECK(TokenKeys(*open.hsm) == 0);
}

TEST_CASE("a seed the store refuses changes nothing") {
  testing::TempDir dir;
  testing::OpenStore open(dir.path, /*quota=*/3);
  openssl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(ed);
  // What is there before: a key, and an alias to it.
  seed::Seed before = MustParse(std::string("Keys:\n  - Metadata: {KeyId: ") + kOtherId +
                                "}\n    BackingKeys: [" + std::string(64, 'b') +
                                "]\nAliases:\n  - {AliasName: alias/before, TargetKeyId: " +
                                kOtherId + "}\n");
  REQUIRE(seed::Apply(before, *open.keys, 1).ok());
  const std::vector<std::string> contents = Contents(*open.keys);
  const size_t token_keys = TokenKeys(*open.hsm);

  auto refused = [&](const std::string& text, const std::string& message) {
    seed::Seed parsed = MustParse(text);
    auto applied = seed::Apply(parsed, *open.keys, 2);
    REQUIRE_FALSE(applied.ok());
    CHECK(applied.status().message() == message);
    CHECK(Contents(*open.keys) == contents);
    CHECK(TokenKeys(*open.hsm) == token_keys);
  };
  // The third entry: an alias to no key.
  refused(SeedText(ed.get(), kAesHex, "",
                   std::string("Aliases:\n  - {AliasName: alias/x, TargetKeyId: ") + kUnknownId +
                       "}\n"),
          "Aliases[0]: TargetKeyId " + std::string(kUnknownId) +
              " is no key of account 111122223333 in us-east-1");
  // The third entry: a key id taken by another kind of key.
  refused(SeedText(ed.get(), kAesHex,
                   std::string("      - Metadata: {KeyId: ") + kOtherId +
                       ", KeySpec: ECC_NIST_P256}\n"),
          "Keys.Asymmetric.Ecc[1]: key " + std::string(kOtherId) +
              " exists already with another KeySpec (a seed leaves existing keys as they are)");
  // The third key is beyond the key quota (3, one held).
  refused(SeedText(ed.get(), kAesHex,
                   std::string("      - Metadata: {KeyId: ") + kUnknownId +
                       ", KeySpec: ECC_NIST_P256}\n"),
          "Keys.Asymmetric.Ecc[1]: the key quota of account 111122223333 in us-east-1 is 3 "
          "keys; 1 exist and this seed would create 3");
  // An alias the store has, pointing elsewhere, is left as it is (a warning), and no refusal.
  seed::Seed moved = MustParse(SeedText(
      ed.get(), kAesHex, "",
      std::string("Aliases:\n  - {AliasName: alias/before, TargetKeyId: ") + kAesId + "}\n"));
  auto applied = seed::Apply(moved, *open.keys, 3);
  REQUIRE(applied.ok());
  CHECK(applied->aliases_existing == 1);
  CHECK(open.keys->FindAlias("111122223333", "us-east-1", "alias/before")->target_key_id ==
        kOtherId);
}

namespace {

// The real module, but ImportKey fails from its `fail_at`th call on, as a module or disk
// failing midway would.
class FailingImports final : public hsm::Hsm {
 public:
  FailingImports(hsm::Hsm& real, int fail_at) : real_(real), fail_at_(fail_at) {}
  hsm::Capability Supports(hsm::KeyKind k) const override { return real_.Supports(k); }
  hsm::Capability Supports(hsm::SignScheme s) const override { return real_.Supports(s); }
  hsm::Capability Supports(hsm::OaepHash h) const override { return real_.Supports(h); }
  hsm::Capability OffersMechanisms(std::span<const std::string_view> n) const override {
    return real_.OffersMechanisms(n);
  }
  Result<hsm::GeneratedKey> GenerateKey(hsm::KeyKind k) override { return real_.GenerateKey(k); }
  Result<Bytes> NewDomainKeyCheck() override { return real_.NewDomainKeyCheck(); }
  Result<hsm::GeneratedKey> ImportKey(hsm::KeyKind k, const SecretBytes& m) override {
    if (++imports_ >= fail_at_) return InternalError("the module failed (a test)");
    return real_.ImportKey(k, m);
  }
  Result<hsm::KeyHandle> UnwrapKey(const hsm::StoredKey& k) override { return real_.UnwrapKey(k); }
  Status DestroyKey(hsm::KeyHandle h) override { return real_.DestroyKey(h); }
  Status DeleteKeyMaterial(const hsm::StoredKey& k) override {
    return real_.DeleteKeyMaterial(k);
  }
  Result<Bytes> EncryptGcm(hsm::KeyHandle k, const uint8_t iv[hsm::kGcmIvSize],
                           std::string_view aad, std::string_view p) override {
    return real_.EncryptGcm(k, iv, aad, p);
  }
  Result<SecretBytes> DecryptGcm(hsm::KeyHandle k, const uint8_t iv[hsm::kGcmIvSize],
                                 std::string_view aad, std::string_view c) override {
    return real_.DecryptGcm(k, iv, aad, c);
  }
  Result<Bytes> Sign(hsm::KeyHandle k, hsm::SignScheme s, std::string_view i) override {
    return real_.Sign(k, s, i);
  }
  Result<bool> Verify(hsm::KeyHandle k, hsm::SignScheme s, std::string_view i,
                      std::string_view sig) override {
    return real_.Verify(k, s, i, sig);
  }
  Result<Bytes> EncryptOaep(hsm::KeyHandle k, hsm::OaepHash h, std::string_view p) override {
    return real_.EncryptOaep(k, h, p);
  }
  Result<SecretBytes> DecryptOaep(hsm::KeyHandle k, hsm::OaepHash h,
                                  std::string_view c) override {
    return real_.DecryptOaep(k, h, c);
  }
  Result<Bytes> Mac(hsm::KeyHandle k, hsm::MacHash h, std::string_view m) override {
    return real_.Mac(k, h, m);
  }
  Result<bool> VerifyMac(hsm::KeyHandle k, hsm::MacHash h, std::string_view m,
                         std::string_view mac) override {
    return real_.VerifyMac(k, h, m, mac);
  }
  Result<SecretBytes> DeriveEcdh(hsm::KeyHandle k, std::string_view p) override {
    return real_.DeriveEcdh(k, p);
  }
  Result<SecretBytes> GenerateRandom(size_t n) override { return real_.GenerateRandom(n); }
  std::string Describe() const override { return real_.Describe(); }
  size_t OpenSessions() const override { return real_.OpenSessions(); }
  uint64_t Recycles() const override { return real_.Recycles(); }

 private:
  hsm::Hsm& real_;
  const int fail_at_;
  int imports_ = 0;
};

}  // namespace

TEST_CASE("a creation failing midway undoes what the seed created, token objects included") {
  testing::TempDir dir;
  testing::OpenStore open(dir.path);
  seed::Seed existing = MustParse(std::string("Keys:\n  - Metadata: {KeyId: ") + kOtherId +
                                  "}\n    BackingKeys: [" + std::string(64, 'b') + "]\n");
  REQUIRE(seed::Apply(existing, *open.keys, 1).ok());

  // The AES key's and the Ed25519 key's imports succeed, the third key's fails.
  FailingImports failing(*open.hsm, 3);
  auto keys = kms::KeyStore::Load(*open.repo, failing, 1000, kms::MaterialCache::kDefaultCapacity);
  REQUIRE(keys.ok());
  const std::vector<std::string> contents = Contents(**keys);
  REQUIRE(contents.size() == 1);
  openssl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  openssl::PkeyPtr p256(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(ed);
  REQUIRE(p256);
  std::string third = std::string("      - Metadata: {KeyId: ") + kUnknownId +
                      "}\n        PrivateKeyPem: |\n" + IndentedPem(p256.get());
  seed::Seed parsed = MustParse(SeedText(
      ed.get(), kAesHex, third,
      std::string("Aliases:\n  - {AliasName: alias/new, TargetKeyId: ") + kOtherId + "}\n"));
  auto applied = seed::Apply(parsed, **keys, 2);
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.status().message() == "Keys.Asymmetric.Ecc[1]: the module failed (a test)");
  CHECK(Contents(**keys) == contents);
  CHECK(TokenKeys(*open.hsm) == 0);
  keys->reset();
  open.Reload();
  CHECK(Contents(*open.keys) == contents);
}
