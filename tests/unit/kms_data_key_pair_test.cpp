// Data key pairs made with OpenSSL and written by trent (kms/data_key_pair, common/key_der), and
// the RSAES-OAEP plaintext limits (kms/rsa_encryption), checked with OpenSSL's own parsers and
// encoders.
#include <catch.hpp>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

#include "server/kms/data_key_pair.h"
#include "server/kms/key.h"
#include "server/kms/key_spec.h"
#include "server/kms/rsa_encryption.h"
#include "tests/unit/openssl_der.h"

using namespace trent;

namespace {

// The SubjectPublicKeyInfo of the public half of a PKCS#8 private key, as OpenSSL writes it;
// and OpenSSL's PKCS#8 of the same key in `reencoded`.
Bytes PublicOfPrivate(const SecretBytes& pkcs8, int* type, int* bits, SecretBytes& reencoded) {
  const unsigned char* p = pkcs8.data();
  openssl::PkeyPtr pkey(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pkcs8.size())));
  REQUIRE(pkey != nullptr);
  CHECK(p == pkcs8.data() + pkcs8.size());
  *type = EVP_PKEY_get_base_id(pkey.get());
  *bits = EVP_PKEY_get_bits(pkey.get());
  reencoded = testing::Pkcs8(pkey.get());
  return testing::Spki(pkey.get());
}

}  // namespace

TEST_CASE("data key pairs: every supported spec gives a PKCS#8 key and its SPKI, as OpenSSL's") {
  struct Case {
    const char* spec;
    int type;
    int bits;
  };
  for (const Case& c : {Case{"RSA_2048", EVP_PKEY_RSA, 2048}, Case{"RSA_3072", EVP_PKEY_RSA, 3072},
                        Case{"ECC_NIST_P256", EVP_PKEY_EC, 256},
                        Case{"ECC_NIST_P384", EVP_PKEY_EC, 384},
                        Case{"ECC_NIST_P521", EVP_PKEY_EC, 521},
                        Case{"ECC_SECG_P256K1", EVP_PKEY_EC, 256},
                        Case{"ECC_NIST_EDWARDS25519", EVP_PKEY_ED25519, 256}}) {
    INFO(c.spec);
    const kms::DataKeyPairSpec* spec = kms::FindDataKeyPairSpec(c.spec);
    REQUIRE(spec != nullptr);
    auto pair = kms::GenerateDataKeyPair(*spec);
    REQUIRE(pair.ok());
    int type = 0, bits = 0;
    SecretBytes reencoded;
    CHECK(PublicOfPrivate(pair->private_key, &type, &bits, reencoded) == pair->public_key);
    CHECK(type == c.type);
    CHECK(bits == c.bits);
    // Byte for byte what OpenSSL's encoders would have written.
    CHECK(pair->private_key.view() == reencoded.view());
    // Every pair is new, though made on the same (kept) generation context.
    auto another = kms::GenerateDataKeyPair(*spec);
    REQUIRE(another.ok());
    CHECK(another->public_key != pair->public_key);
    CHECK(another->private_key.view() != pair->private_key.view());
  }
}

TEST_CASE("data key pairs: SM2 is refused, saying so; unknown names are not specs") {
  const kms::DataKeyPairSpec* sm2 = kms::FindDataKeyPairSpec("SM2");
  REQUIRE(sm2 != nullptr);
  auto pair = kms::GenerateDataKeyPair(*sm2);
  REQUIRE_FALSE(pair.ok());
  CHECK(pair.status().code() == ErrorCode::kUnsupportedOperation);
  CHECK(pair.status().message().find("SM2") != std::string::npos);
  CHECK(kms::FindDataKeyPairSpec("SYMMETRIC_DEFAULT") == nullptr);
  CHECK(kms::FindDataKeyPairSpec("HMAC_256") == nullptr);
}

TEST_CASE("RSAES-OAEP plaintext limits, in AWS's words") {
  kms::Key key;
  key.key_spec = "RSA_2048";
  const kms::EncryptionAlgorithm* sha256 = kms::FindEncryptionAlgorithm("RSAES_OAEP_SHA_256");
  const kms::EncryptionAlgorithm* sha1 = kms::FindEncryptionAlgorithm("RSAES_OAEP_SHA_1");
  REQUIRE(sha256 != nullptr);
  REQUIRE(sha1 != nullptr);
  CHECK(kms::CheckOaepPlaintextSize(key, *sha256, 190).ok());
  Status s = kms::CheckOaepPlaintextSize(key, *sha256, 191);
  CHECK(s.code() == ErrorCode::kValidation);
  CHECK(s.message() ==
        "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 "
        "bytes.");
  CHECK(kms::CheckOaepPlaintextSize(key, *sha1, 214).ok());
  key.key_spec = "RSA_4096";
  CHECK(kms::CheckOaepPlaintextSize(key, *sha1, 470).ok());
  CHECK(kms::CheckOaepPlaintextSize(key, *sha256, 447).message() ==
        "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_4096 cannot encrypt data larger than 446 "
        "bytes.");
}
