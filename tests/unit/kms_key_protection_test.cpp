// Issue 12: every private and secret key object trentd holds is sensitive and never extractable,
// checked through PKCS#11 itself. A real key store over a real SoftHSM token gets a key of every
// spec trent can make; each is loaded (HandleFor) and used; then EVERY object the module shows
// in trent's session (its session objects and the token's objects: C_FindObjects with an empty
// template, hsm::ListModuleObjectsForTesting) is inspected and counted.
#include <catch.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hsm/hsm.h"
#include "hsm/hsm_testing.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_spec.h"
#include "server/kms/key_store.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

using namespace trent;
using namespace trent::kms;

namespace {

using testing::OpenStore;
using testing::TempDir;
using Class = hsm::ModuleObject::Class;

constexpr int64_t kNow = 1'700'000'000'000;

struct SpecCase {
  const char* spec;
  const char* usage;
};

// Every KeySpec that has a kind (SM2 has none: see key_spec.cpp).
const SpecCase kSpecs[] = {
    {"SYMMETRIC_DEFAULT", kEncryptDecrypt},  {"RSA_2048", kSignVerify},
    {"RSA_3072", kEncryptDecrypt},           {"RSA_4096", kSignVerify},
    {"ECC_NIST_P256", kSignVerify},          {"ECC_NIST_P384", kKeyAgreement},
    {"ECC_NIST_P521", kSignVerify},          {"ECC_SECG_P256K1", kSignVerify},
    {"ECC_NIST_EDWARDS25519", kSignVerify},  {"HMAC_224", kGenerateVerifyMac},
    {"HMAC_256", kGenerateVerifyMac},        {"HMAC_384", kGenerateVerifyMac},
    {"HMAC_512", kGenerateVerifyMac},
};

// One use of a loaded key version, through the module.
void Use(hsm::Hsm& hsm, hsm::KeyKind kind, hsm::KeyHandle handle) {
  using hsm::KeyKind;
  const std::string digest32(32, 'd');
  switch (kind) {
    case KeyKind::kAes256: {
      const uint8_t iv[hsm::kGcmIvSize] = {1, 2, 3};
      auto sealed = hsm.EncryptGcm(handle, iv, "plaintext", "aad");
      REQUIRE(sealed.ok());
      break;
    }
    case KeyKind::kRsa2048:
    case KeyKind::kRsa3072:
    case KeyKind::kRsa4096: {
      auto sig = hsm.Sign(handle, hsm::SignScheme::kRsaPssSha256, digest32);
      INFO(sig.status().message());
      REQUIRE(sig.ok());
      break;
    }
    case KeyKind::kEcP256:
    case KeyKind::kEcP384:
    case KeyKind::kEcP521:
    case KeyKind::kEcSecp256k1: {
      auto sig = hsm.Sign(handle, hsm::SignScheme::kEcdsa, digest32);
      INFO(sig.status().message());
      REQUIRE(sig.ok());
      break;
    }
    case KeyKind::kEd25519: {
      auto sig = hsm.Sign(handle, hsm::SignScheme::kEd25519, "message");
      INFO(sig.status().message());
      REQUIRE(sig.ok());
      break;
    }
    case KeyKind::kHmac224:
    case KeyKind::kHmac256:
    case KeyKind::kHmac384:
    case KeyKind::kHmac512: {
      const hsm::MacHash hash = kind == KeyKind::kHmac224   ? hsm::MacHash::kSha224
                                : kind == KeyKind::kHmac256 ? hsm::MacHash::kSha256
                                : kind == KeyKind::kHmac384 ? hsm::MacHash::kSha384
                                                            : hsm::MacHash::kSha512;
      auto mac = hsm.Mac(handle, hash, "message");
      INFO(mac.status().message());
      REQUIRE(mac.ok());
      break;
    }
  }
}

std::string Describe(const hsm::ModuleObject& o) {
  std::string s = "object " + std::to_string(o.handle) + " class " + std::to_string(o.raw_class) +
                  " " + o.key_type + " label '" + o.label + "'" +
                  (o.token_object ? " token" : " session");
  return s;
}

}  // namespace

TEST_CASE("every private and secret key object in the module is sensitive and never extractable") {
  TempDir dir;
  OpenStore open(dir.path);
  hsm::Hsm& hsm = open.keys->hsm();

  // The kinds of every loaded version, and the pins that keep them loaded while inspected.
  std::vector<MaterialCache::Pin> pins;
  std::map<hsm::KeyKind, int> loaded;
  size_t key_pairs = 0, token_held = 0;
  for (const SpecCase& c : kSpecs) {
    INFO(c.spec);
    const KeySpecTraits* traits = FindKeySpec(c.spec);
    REQUIRE(traits);
    REQUIRE(traits->kind);
    NewKeySpec spec;
    spec.account = "111122223333";
    spec.region = "us-east-1";
    spec.key_spec = c.spec;
    spec.key_usage = c.usage;
    auto key = open.keys->Create(spec, kNow);
    INFO(key.status().message());
    REQUIRE(key.ok());
    KeyPtr k = *key;
    if (traits->symmetric()) {
      // A rotated symmetric key: both its versions loaded.
      auto rotated = open.keys->RotateOnDemand(*k, kNow + 1000);
      REQUIRE(rotated.ok());
      k = *rotated;
      REQUIRE(k->versions.size() == 2);
    }
    for (const auto& version : k->versions) {
      auto pin = open.keys->HandleFor(*k, *version);
      INFO(pin.status().message());
      REQUIRE(pin.ok());
      Use(hsm, version->kind, pin->handle());
      ++loaded[version->kind];
      if (hsm::IsKeyPair(version->kind)) ++key_pairs;
      // What trent stores for a key kept in the token instead of wrapped bytes.
      const std::string stored(version->wrapped_material.begin(),
                               version->wrapped_material.end());
      if (stored.rfind("pkcs11-token-object:", 0) == 0) ++token_held;
      pins.push_back(std::move(*pin));
    }
  }
  // SoftHSM 2.6.1 cannot wrap Ed25519 private keys: trent keeps them as token objects.
  CHECK(token_held == 1);

  auto listed = hsm::ListModuleObjectsForTesting(hsm);
  INFO(listed.status().message());
  REQUIRE(listed.ok());
  const std::vector<hsm::ModuleObject>& objects = *listed;

  size_t secret = 0, priv = 0, pub = 0, other = 0, token_secret = 0, token_private = 0,
         domain_keys = 0, version_keys = 0, token_keys = 0, generated_in_module = 0, unwrapped = 0,
         unwrapped_reported_false = 0;
  for (const hsm::ModuleObject& o : objects) {
    INFO(Describe(o));
    switch (o.object_class) {
      case Class::kPublicKey:
        ++pub;
        CHECK_FALSE(o.token_object);  // the companions of loaded key pairs, session objects
        continue;
      case Class::kOther:
        ++other;
        continue;
      case Class::kSecretKey:
        ++secret;
        if (o.token_object) ++token_secret;
        break;
      case Class::kPrivateKey:
        ++priv;
        if (o.token_object) ++token_private;
        break;
    }
    if (o.label == "trent-domain-wrapping-key") ++domain_keys;
    if (o.label == "trent-aes-version-key") ++version_keys;
    if (o.label == "trent-key") ++token_keys;
    CHECK(o.sensitive);
    CHECK_FALSE(o.extractable);
    // CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE: PKCS#11 sets them true only on keys
    // that have been sensitive / not extractable since the module made them. Keys generated
    // in the module are: the domain key (and its session copy: C_CopyObject keeps them), the
    // AES version key derived from it, and the Ed25519 private keys kept in the token. An
    // unwrapped key came in as ciphertext from outside the module, so the module cannot vouch
    // for its past, and SoftHSM 2.6.1 reports both false for every unwrapped object (measured
    // here: 11 of the 13 loaded versions; the two AES versions, derived in the module, report
    // both true); that the material was generated sensitive and has only ever left the module
    // wrapped under the domain key is what the SQLite checks
    // (tests/integration/hsm_protection.py) show instead.
    const bool made_here = o.token_object || o.label == "trent-domain-wrapping-key" ||
                           o.label == "trent-aes-version-key";
    if (made_here) {
      CHECK(o.always_sensitive);
      CHECK(o.never_extractable);
      ++generated_in_module;
    } else {
      ++unwrapped;
      if (!o.always_sensitive && !o.never_extractable) ++unwrapped_reported_false;
    }
    // No key material comes out: each attribute holding it is refused (or is not one this
    // type has), and not a byte is written into the buffer offered.
    REQUIRE(o.material_reads.size() == 7);
    for (const hsm::ModuleObject::MaterialRead& read : o.material_reads) {
      INFO(read.attribute << ": " << read.answer);
      CHECK(read.answer != "CKR_OK");
      CHECK(read.bytes_returned == 0);
      // Where each key type keeps its material: CKA_VALUE (secret, EC and Edwards keys) or
      // the RSA private key attributes.
      const bool held = (o.key_type != "CKK_RSA" && read.attribute == "CKA_VALUE") ||
                        (o.key_type == "CKK_RSA" && (read.attribute == "CKA_PRIVATE_EXPONENT" ||
                                                     read.attribute == "CKA_PRIME_1" ||
                                                     read.attribute == "CKA_PRIME_2" ||
                                                     read.attribute == "CKA_EXPONENT_1" ||
                                                     read.attribute == "CKA_EXPONENT_2" ||
                                                     read.attribute == "CKA_COEFFICIENT"));
      if (held) CHECK(read.answer == "CKR_ATTRIBUTE_SENSITIVE");
    }
  }

  // Nothing else hides among them: the keys explain every key object.
  size_t loaded_secret = 0, loaded_private = 0;
  for (const auto& [kind, n] : loaded) (hsm::IsKeyPair(kind) ? loaded_private : loaded_secret) += n;
  CHECK(loaded_secret == 6);   // two AES versions and four HMAC keys
  CHECK(loaded_private == 8);  // three RSA, four EC and one Ed25519 key
  CHECK(other == 0);
  // The domain key (token) and its session copy, the AES version key, and one per loaded
  // version.
  CHECK(domain_keys == 2);
  CHECK(version_keys == 1);
  CHECK(token_secret == 1);
  CHECK(secret == 3 + loaded_secret);
  // Every private key is a loaded version; the Ed25519 one is the token object itself.
  CHECK(priv == loaded_private);
  CHECK(token_private == token_held);
  CHECK(token_keys == token_held);
  CHECK(pub == key_pairs);
  CHECK(objects.size() == secret + priv + pub);
  CHECK(generated_in_module == 3 + token_held);
  CHECK(unwrapped == loaded_secret + loaded_private - token_held);
  // Not a protection property, only what this module reports (see above).
  WARN("unwrapped key objects: " << unwrapped << ", of which SoftHSM reports "
       << unwrapped_reported_false << " with CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE false");

  // Unloaded, the session holds only the domain key's copy and the version key, and the token
  // its domain key and the Ed25519 key's private key.
  pins.clear();
  open.keys.reset();
  auto after = hsm::ListModuleObjectsForTesting(*open.hsm);
  REQUIRE(after.ok());
  size_t after_secret = 0, after_private = 0, after_public = 0;
  for (const hsm::ModuleObject& o : *after) {
    INFO(Describe(o));
    if (o.object_class == Class::kSecretKey) ++after_secret;
    if (o.object_class == Class::kPrivateKey) {
      ++after_private;
      CHECK(o.token_object);
    }
    if (o.object_class == Class::kPublicKey) ++after_public;
  }
  CHECK(after_secret == 3);
  CHECK(after_private == token_held);
  CHECK(after_public == 0);
  CHECK(after->size() == after_secret + after_private);
}
