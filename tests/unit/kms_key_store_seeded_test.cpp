// Keys made from given material (seeds): imported into a real SoftHSM token, their version ids
// derived from key id and material, so that two stores on different tokens and databases make
// and open the same ciphertexts; an Ed25519 key a token object that goes when its key does, or
// when its create is refused.
#include <catch.hpp>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/openssl_ptr.h"
#include "hsm/hsm_testing.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/openssl_der.h"

using namespace trent;
using namespace trent::kms;

namespace {

constexpr const char* kKeyId = "bc436485-5092-42b8-92a3-0aa8b93536dc";

SecretBytes Filled(size_t n, uint8_t value) {
  SecretBytes out(n);
  for (size_t i = 0; i < n; ++i) out.data()[i] = static_cast<uint8_t>(value + i);
  return out;
}

NewKeySpec Seeded(const std::vector<SecretBytes>& material) {
  NewKeySpec spec;
  spec.account = "111122223333";
  spec.region = "us-east-1";
  spec.key_id = kKeyId;
  spec.material = material;
  return spec;
}

}  // namespace

TEST_CASE("a key from given material: derived version ids, the last version current") {
  testing::TempDir dir;
  ManualClock clock(1'700'000'000'000);
  std::vector<SecretBytes> material;
  material.push_back(Filled(32, 1));
  material.push_back(Filled(32, 2));
  testing::OpenStore open(dir.path);
  auto key = open.keys->Create(Seeded(material), clock.NowMillis());
  REQUIRE(key.ok());
  REQUIRE((*key)->versions.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    auto ids = SeededVersionIds(kKeyId, material[i]);
    REQUIRE(ids.ok());
    CHECK((*key)->versions[i]->id == ids->version_id);
    CHECK((*key)->versions[i]->key_material_id == ids->key_material_id);
    CHECK(ids->key_material_id.Hex().size() == 64);
  }
  CHECK((*key)->versions[1]->rotation_type == RotationType::kAutomatic);
  CHECK(SeededVersionIds("49c5492b-b1bc-42a8-9a5c-b2015e810c1c", material[0])->version_id !=
        (*key)->versions[0]->id);

  // The same id again is refused, and does not fail the store.
  auto again = open.keys->Create(Seeded(material), clock.NowMillis());
  CHECK(again.status().code() == ErrorCode::kAlreadyExists);
  NewKeySpec other;
  other.account = "111122223333";
  other.region = "us-east-1";
  CHECK(open.keys->Create(other, clock.NowMillis()).ok());
  open.Reload();
  REQUIRE(open.keys->Find(kKeyId));
  CHECK(open.keys->Find(kKeyId)->versions.size() == 2);
}

TEST_CASE("a ciphertext of a seeded key opens in another store seeded alike") {
  std::vector<SecretBytes> material;
  material.push_back(Filled(32, 7));
  EncryptionContext context = {{"run", "1"}};
  std::string blob;
  {
    testing::TempDir dir;
    testing::OpenStore open(dir.path);
    auto key = open.keys->Create(Seeded(material), 1);
    REQUIRE(key.ok());
    KeyCrypto crypto(*open.keys);
    auto sealed = crypto.Encrypt(**key, "across stores", context);
    REQUIRE(sealed.ok());
    blob = *sealed;
  }
  testing::TempDir dir;
  testing::OpenStore open(dir.path);
  REQUIRE(open.keys->Create(Seeded(material), 2).ok());
  KeyCrypto crypto(*open.keys);
  auto located = crypto.Locate(blob, "us-east-1");
  REQUIRE(located.ok());
  auto plaintext = crypto.Open(*located, context);
  REQUIRE(plaintext.ok());
  CHECK(plaintext->view() == "across stores");
}

TEST_CASE("material the HSM refuses fails the create, naming why") {
  testing::TempDir dir;
  testing::OpenStore open(dir.path);
  std::vector<SecretBytes> short_key;
  short_key.push_back(Filled(16, 1));
  auto key = open.keys->Create(Seeded(short_key), 1);
  CHECK(key.status().code() == ErrorCode::kValidation);
  CHECK(key.status().message() == "AES-256 key material must be 32 bytes, not 16");
  CHECK_FALSE(open.keys->Find(kKeyId));

  std::vector<SecretBytes> not_der;
  not_der.push_back(Filled(100, 1));
  NewKeySpec rsa = Seeded(not_der);
  rsa.key_spec = "RSA_2048";
  rsa.key_usage = kSignVerify;
  CHECK(open.keys->Create(rsa, 1).status().code() == ErrorCode::kValidation);
}

TEST_CASE("a seeded Ed25519 key is a token object, removed when its create is refused") {
  testing::TempDir dir;
  testing::OpenStore open(dir.path);
  auto token_keys = [&] {
    auto objects = hsm::ListModuleObjectsForTesting(*open.hsm);
    REQUIRE(objects.ok());
    size_t n = 0;
    for (const hsm::ModuleObject& o : *objects) {
      if (o.token_object && o.object_class == hsm::ModuleObject::Class::kPrivateKey) ++n;
    }
    return n;
  };
  openssl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(ed);
  std::vector<SecretBytes> material;
  material.push_back(testing::Pkcs8(ed.get()));
  NewKeySpec spec = Seeded(material);
  spec.key_spec = "ECC_NIST_EDWARDS25519";
  spec.key_usage = kSignVerify;
  auto key = open.keys->Create(spec, 1);
  REQUIRE(key.ok());
  CHECK((*key)->current_version().public_key == testing::Spki(ed.get()));
  CHECK(token_keys() == 1);
  // The same id again: refused after the import, whose token object goes again.
  CHECK(open.keys->Create(spec, 2).status().code() == ErrorCode::kAlreadyExists);
  CHECK(token_keys() == 1);
  REQUIRE(open.keys->DeleteKeys({*key}).ok());
  CHECK(token_keys() == 0);
  CHECK_FALSE(open.keys->Find(kKeyId));
}
