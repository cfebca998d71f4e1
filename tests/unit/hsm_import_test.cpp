// Hsm::ImportKey against a real SoftHSM: the module holds exactly the given key (what it
// computes matches OpenSSL with that key), keeps no session object of the import (an Ed25519
// key, which SoftHSM cannot wrap, is one token object), and refuses material that is not of
// the kind.
#include <catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/openssl_ptr.h"
#include "hsm/hsm.h"
#include "hsm/hsm_testing.h"
#include "tests/unit/openssl_der.h"
#include "tests/unit/softhsm_dir.h"

using namespace trent;
using namespace trent::hsm;
using trent::testing::Pkcs8;
using trent::testing::Spki;

namespace {

SecretBytes Filled(size_t n, uint8_t start) {
  SecretBytes out(n);
  for (size_t i = 0; i < n; ++i) out.data()[i] = static_cast<uint8_t>(start + i);
  return out;
}

GeneratedKey MustImport(Hsm& hsm, KeyKind kind, const SecretBytes& material) {
  auto before = CountSessionObjectsForTesting(hsm);
  REQUIRE(before.ok());
  auto imported = hsm.ImportKey(kind, material);
  INFO(imported.status().message());
  REQUIRE(imported.ok());
  auto after = CountSessionObjectsForTesting(hsm);
  REQUIRE(after.ok());
  CHECK(after->keys == before->keys);
  CHECK(after->public_keys == before->public_keys);
  return std::move(imported).value();
}

KeyHandle MustUnwrap(Hsm& hsm, KeyKind kind, const GeneratedKey& key) {
  auto handle = hsm.UnwrapKey(StoredKey{kind, key.wrapped, key.public_key});
  INFO(handle.status().message());
  REQUIRE(handle.ok());
  auto protection = InspectKeyForTesting(hsm, *handle);
  REQUIRE(protection.ok());
  CHECK(protection->sensitive);
  CHECK_FALSE(protection->extractable);
  return *handle;
}

}  // namespace

TEST_CASE("imported secret keys are the given keys") {
  testing::TempDir dir;
  auto opened = Hsm::Open(testing::SoftHsmIn(dir.path, "import-test"));
  REQUIRE(opened.ok());
  Hsm& hsm = **opened;

  const SecretBytes aes = Filled(32, 1);
  const KeyHandle key = MustUnwrap(hsm, KeyKind::kAes256, MustImport(hsm, KeyKind::kAes256, aes));
  const uint8_t iv[kGcmIvSize] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};
  auto sealed = hsm.EncryptGcm(key, iv, "aad", "plaintext");
  REQUIRE(sealed.ok());
  // The same with OpenSSL and the given key.
  std::unique_ptr<EVP_CIPHER_CTX, openssl::Deleter<EVP_CIPHER_CTX_free>> ctx(EVP_CIPHER_CTX_new());
  Bytes expected(9 + kGcmTagSize);
  int len = 0;
  REQUIRE(EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, aes.data(), iv) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                            reinterpret_cast<const unsigned char*>("aad"), 3) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx.get(), expected.data(), &len,
                            reinterpret_cast<const unsigned char*>("plaintext"), 9) == 1);
  REQUIRE(EVP_EncryptFinal_ex(ctx.get(), expected.data() + len, &len) == 1);
  REQUIRE(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize,
                              expected.data() + 9) == 1);
  CHECK(*sealed == expected);

  const SecretBytes mac_key = Filled(40, 3);
  const KeyHandle mac = MustUnwrap(hsm, KeyKind::kHmac256,
                                   MustImport(hsm, KeyKind::kHmac256, mac_key));
  auto computed = hsm.Mac(mac, MacHash::kSha256, "message");
  REQUIRE(computed.ok());
  unsigned char digest[32];
  unsigned int digest_len = 0;
  HMAC(EVP_sha256(), mac_key.data(), static_cast<int>(mac_key.size()),
       reinterpret_cast<const unsigned char*>("message"), 7, digest, &digest_len);
  CHECK(*computed == Bytes(digest, digest + digest_len));

  CHECK(hsm.ImportKey(KeyKind::kAes256, Filled(16, 0)).status().message() ==
        "AES-256 key material must be 32 bytes, not 16");
  CHECK(hsm.ImportKey(KeyKind::kHmac256, Filled(31, 0)).status().message() ==
        "HMAC-256 key material must be 32 to 64 bytes, not 31");
  CHECK(hsm.ImportKey(KeyKind::kHmac384, Filled(129, 0)).status().code() ==
        ErrorCode::kValidation);
}

TEST_CASE("imported private keys are the given key pairs") {
  testing::TempDir dir;
  auto opened = Hsm::Open(testing::SoftHsmIn(dir.path, "import-test"));
  REQUIRE(opened.ok());
  Hsm& hsm = **opened;

  openssl::PkeyPtr rsa(EVP_RSA_gen(2048));
  REQUIRE(rsa);
  const GeneratedKey rsa_key = MustImport(hsm, KeyKind::kRsa2048, Pkcs8(rsa.get()));
  CHECK(rsa_key.public_key == Spki(rsa.get()));
  const KeyHandle rsa_handle = MustUnwrap(hsm, KeyKind::kRsa2048, rsa_key);
  const std::string digest(32, 'd');
  auto signature = hsm.Sign(rsa_handle, SignScheme::kRsaPssSha256, digest);
  REQUIRE(signature.ok());
  auto verified = hsm.Verify(rsa_handle, SignScheme::kRsaPssSha256, digest,
                             AsStringView(*signature));
  REQUIRE(verified.ok());
  CHECK(*verified);
  CHECK(hsm.ImportKey(KeyKind::kRsa3072, Pkcs8(rsa.get())).status().message() ==
        "the private key is an RSA key of 2048 bits, not 3072");

  openssl::PkeyPtr ec(EVP_EC_gen("P-256"));
  REQUIRE(ec);
  const GeneratedKey ec_key = MustImport(hsm, KeyKind::kEcP256, Pkcs8(ec.get()));
  CHECK(ec_key.public_key == Spki(ec.get()));
  MustUnwrap(hsm, KeyKind::kEcP256, ec_key);
  CHECK(hsm.ImportKey(KeyKind::kEcP384, Pkcs8(ec.get())).status().message() ==
        "the private key is on curve prime256v1, not secp384r1");
  CHECK(hsm.ImportKey(KeyKind::kEcP256, Pkcs8(rsa.get())).status().message() ==
        "not an EC private key");
  CHECK(hsm.ImportKey(KeyKind::kRsa2048, Filled(64, 0)).status().message() ==
        "not a DER private key");
  CHECK(hsm.ImportKey(KeyKind::kEd25519, Filled(48, 0)).status().message() ==
        "not a DER private key");
  CHECK(hsm.ImportKey(KeyKind::kEd25519, Pkcs8(ec.get())).status().message() ==
        "not an ED25519 private key");
}

namespace {

// The token's private key objects labelled as trent's token-held keys.
size_t TokenPrivateKeys(Hsm& hsm) {
  auto objects = ListModuleObjectsForTesting(hsm);
  REQUIRE(objects.ok());
  size_t n = 0;
  for (const ModuleObject& o : *objects) {
    if (o.token_object && o.object_class == ModuleObject::Class::kPrivateKey) {
      CHECK(o.label == "trent-key");
      CHECK(o.private_object);
      CHECK(o.sensitive);
      CHECK_FALSE(o.extractable);
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST_CASE("an imported Ed25519 key is a token object that signs as the given key") {
  testing::TempDir dir;
  auto opened = Hsm::Open(testing::SoftHsmIn(dir.path, "import-test"));
  REQUIRE(opened.ok());
  Hsm& hsm = **opened;

  openssl::PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(ed);
  REQUIRE(TokenPrivateKeys(hsm) == 0);
  const GeneratedKey key = MustImport(hsm, KeyKind::kEd25519, Pkcs8(ed.get()));
  CHECK(key.public_key == Spki(ed.get()));
  CHECK(TokenPrivateKeys(hsm) == 1);
  const StoredKey stored{KeyKind::kEd25519, key.wrapped, key.public_key};
  const KeyHandle handle = MustUnwrap(hsm, KeyKind::kEd25519, key);

  // Ed25519 is deterministic: the module's signature is OpenSSL's with the given key.
  const std::string message = "seeded Ed25519";
  auto signature = hsm.Sign(handle, SignScheme::kEd25519, message);
  REQUIRE(signature.ok());
  std::unique_ptr<EVP_MD_CTX, openssl::Deleter<EVP_MD_CTX_free>> ctx(EVP_MD_CTX_new());
  REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, ed.get()) == 1);
  Bytes expected(64);
  size_t expected_len = expected.size();
  REQUIRE(EVP_DigestSign(ctx.get(), expected.data(), &expected_len,
                         reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) == 1);
  CHECK(*signature == expected);

  // A second import of the same key is a second object; deleting each removes its own.
  const GeneratedKey again = MustImport(hsm, KeyKind::kEd25519, Pkcs8(ed.get()));
  CHECK(again.wrapped != key.wrapped);
  CHECK(TokenPrivateKeys(hsm) == 2);
  REQUIRE(hsm.DestroyKey(handle).ok());
  REQUIRE(hsm.DeleteKeyMaterial(stored).ok());
  CHECK(TokenPrivateKeys(hsm) == 1);
  REQUIRE(hsm.DeleteKeyMaterial(StoredKey{KeyKind::kEd25519, again.wrapped, again.public_key})
              .ok());
  CHECK(TokenPrivateKeys(hsm) == 0);
}
