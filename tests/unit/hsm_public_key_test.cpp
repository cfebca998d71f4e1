// hsm/public_key: SubjectPublicKeyInfo taken apart into the parts PKCS#11 speaks in and built
// again from them (common/key_der), the DER OCTET STRING of CKA_EC_POINT, and the OAEP
// encoding, checked against keys OpenSSL makes.
#include <catch.hpp>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/der.h"
#include "common/key_der.h"
#include "common/openssl_ptr.h"
#include "hsm/public_key.h"
#include "tests/unit/openssl_der.h"

using trent::Bytes;
using trent::ErrorCode;
using trent::SecretBytes;
using trent::testing::Spki;

namespace {

using Pkey = trent::openssl::PkeyPtr;

Bytes OctetParam(EVP_PKEY* key, const char* name) {
  size_t n = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(key, name, nullptr, 0, &n) == 1);
  Bytes out(n);
  REQUIRE(EVP_PKEY_get_octet_string_param(key, name, out.data(), out.size(), &n) == 1);
  out.resize(n);
  return out;
}

}  // namespace

TEST_CASE("RSA SubjectPublicKeyInfo round trips through modulus and exponent") {
  Pkey key(EVP_RSA_gen(2048));
  REQUIRE(key);
  const Bytes spki = Spki(key.get());
  auto parts = trent::hsm::ParseRsaSpki(spki);
  INFO(parts.status().message());
  REQUIRE(parts.ok());
  CHECK(parts->modulus.size() == 256);
  CHECK(parts->exponent == Bytes{1, 0, 1});
  auto rebuilt = trent::der::RsaSpki(parts->modulus, parts->exponent);
  REQUIRE(rebuilt.ok());
  CHECK(*rebuilt == spki);
  CHECK_FALSE(trent::hsm::ParseEcSpki(spki, "prime256v1").ok());
  CHECK_FALSE(trent::hsm::ParseRsaSpki(Bytes{0x30, 0x00}).ok());
}

TEST_CASE("EC SubjectPublicKeyInfo round trips through the uncompressed point") {
  for (const char* group : {"prime256v1", "secp384r1", "secp521r1", "secp256k1"}) {
    INFO(group);
    Pkey key(EVP_EC_gen(group));
    REQUIRE(key);
    REQUIRE(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                           "uncompressed") == 1);
    const Bytes spki = Spki(key.get());
    const Bytes point = OctetParam(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
    auto parsed = trent::hsm::ParseEcSpki(spki, group);
    INFO(parsed.status().message());
    REQUIRE(parsed.ok());
    CHECK(*parsed == point);
    auto rebuilt = trent::der::EcSpki(group, point);
    REQUIRE(rebuilt.ok());
    CHECK(*rebuilt == spki);
    // Another curve is refused.
    CHECK_FALSE(trent::hsm::ParseEcSpki(spki, "secp384r1" == std::string(group) ? "prime256v1"
                                                                                  : "secp384r1")
                    .ok());
    // A compressed point in the SubjectPublicKeyInfo comes out uncompressed.
    REQUIRE(EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                           "compressed") == 1);
    const Bytes compressed_spki = Spki(key.get());
    CHECK(compressed_spki.size() < spki.size());
    auto from_compressed = trent::hsm::ParseEcSpki(compressed_spki, group);
    REQUIRE(from_compressed.ok());
    CHECK(*from_compressed == point);
  }
  // A curve OpenSSL does not know has no object identifier to write.
  CHECK_FALSE(trent::der::EcSpki("no-such-curve", Bytes(65, 0x04)).ok());
}

TEST_CASE("Ed25519 SubjectPublicKeyInfo round trips through the raw key") {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  REQUIRE(key);
  const Bytes spki = Spki(key.get());
  auto raw = trent::hsm::ParseEd25519Spki(spki);
  REQUIRE(raw.ok());
  CHECK(raw->size() == 32);
  auto rebuilt = trent::der::Ed25519Spki(*raw);
  REQUIRE(rebuilt.ok());
  CHECK(*rebuilt == spki);
  CHECK_FALSE(trent::der::Ed25519Spki(Bytes(31, 1)).ok());
}

TEST_CASE("SubjectPublicKeyInfo that is not strict DER of its kind is refused") {
  using namespace trent::der;
  const Bytes rsa_oid = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
  const Bytes ed25519_oid = {0x2b, 0x65, 0x70};
  const Bytes e = {1, 0, 1};
  Bytes modulus(256, 0xc5);
  // The modulus as INTEGER content: `content` as is, without trent::der::Integer's sign byte.
  auto rsa = [&](Value algorithm, const Bytes& n_content) {
    return Sequence({std::move(algorithm),
                     BitStringOf(Sequence({Value(kInteger, n_content), Integer(e)}))})
        .Encode();
  };
  const Value rsa_algorithm = Sequence({ObjectIdentifier(rsa_oid), Null()});
  Bytes signed_modulus = modulus;
  signed_modulus.insert(signed_modulus.begin(), 0);
  const Bytes good = rsa(rsa_algorithm, signed_modulus);
  auto parts = trent::hsm::ParseRsaSpki(good);
  REQUIRE(parts.ok());
  CHECK(parts->modulus == modulus);
  CHECK(parts->exponent == e);
  // A negative modulus (no sign byte), a sign byte that is not needed, no NULL parameters,
  // bytes after the SubjectPublicKeyInfo.
  CHECK_FALSE(trent::hsm::ParseRsaSpki(rsa(rsa_algorithm, modulus)).ok());
  Bytes padded = {0, 0x45};
  CHECK_FALSE(trent::hsm::ParseRsaSpki(rsa(rsa_algorithm, padded)).ok());
  CHECK_FALSE(trent::hsm::ParseRsaSpki(rsa(Sequence({ObjectIdentifier(rsa_oid)}), signed_modulus)).ok());
  Bytes trailing = good;
  trailing.push_back(0);
  CHECK_FALSE(trent::hsm::ParseRsaSpki(trailing).ok());

  const Bytes raw(32, 0x11);
  CHECK(trent::hsm::ParseEd25519Spki(Sequence({Sequence({ObjectIdentifier(ed25519_oid)}), BitString(raw)}).Encode()).ok());
  CHECK_FALSE(trent::hsm::ParseEd25519Spki(
                  Sequence({Sequence({ObjectIdentifier(ed25519_oid)}), BitString(Bytes(31, 0x11))})
                      .Encode())
                  .ok());
  CHECK_FALSE(trent::hsm::ParseEd25519Spki(
                  Sequence({Sequence({ObjectIdentifier(ed25519_oid), Null()}), BitString(raw)})
                      .Encode())
                  .ok());
  CHECK_FALSE(trent::hsm::ParseEd25519Spki(good).ok());

  // A point that is not on the curve.
  Pkey key(EVP_EC_gen("prime256v1"));
  REQUIRE(key);
  Bytes point = OctetParam(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY);
  REQUIRE(point.size() == 65);
  point.back() ^= 1;
  auto off_curve = trent::der::EcSpki("prime256v1", point);
  REQUIRE(off_curve.ok());
  CHECK_FALSE(trent::hsm::ParseEcSpki(*off_curve, "prime256v1").ok());
}

TEST_CASE("DER OCTET STRING in short and long form") {
  for (size_t n : {0, 1, 32, 65, 127, 128, 133, 255, 256, 1000}) {
    INFO(n);
    const Bytes content(n, 0xab);
    const Bytes der = trent::der::OctetString(content).Encode();
    CHECK(der.size() == n + (n < 128 ? 2 : n < 256 ? 3 : 4));
    auto back = trent::hsm::ParseDerOctetString(der);
    REQUIRE(back.ok());
    CHECK(*back == content);
    Bytes longer = der;
    longer.push_back(0);
    CHECK_FALSE(trent::hsm::ParseDerOctetString(longer).ok());
    if (n > 0) {
      CHECK_FALSE(trent::hsm::ParseDerOctetString(Bytes(der.begin(), der.end() - 1)).ok());
    }
  }
  CHECK_FALSE(trent::hsm::ParseDerOctetString(Bytes{0x03, 0x01, 0x00}).ok());
  CHECK_FALSE(trent::hsm::ParseDerOctetString(Bytes{0x04, 0x81, 0x05, 1, 2, 3, 4, 5}).ok());
  CHECK_FALSE(trent::hsm::ParseDerOctetString(Bytes{}).ok());
}

TEST_CASE("OAEP encoding round trips and refuses any altered block") {
  for (const char* hash : {"SHA1", "SHA256"}) {
    INFO(hash);
    const size_t k = 256;
    const size_t h = std::string(hash) == "SHA1" ? 20 : 32;
    auto block = trent::hsm::OaepEncode(hash, k, "secret");
    REQUIRE(block.ok());
    CHECK(block->size() == k);
    CHECK((*block)[0] == 0);
    SecretBytes in(k);
    std::copy(block->begin(), block->end(), in.data());
    auto message = trent::hsm::OaepDecode(hash, k, in);
    REQUIRE(message.ok());
    CHECK(message->view() == "secret");

    for (size_t i : {size_t{0}, size_t{1}, size_t{h}, k / 2, k - 1}) {
      SecretBytes altered(k);
      std::copy(block->begin(), block->end(), altered.data());
      altered.data()[i] ^= 0x01;
      auto r = trent::hsm::OaepDecode(hash, k, altered);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == ErrorCode::kInvalidCiphertext);
    }
    // The other hash does not decode it.
    auto other = trent::hsm::OaepDecode(std::string(hash) == "SHA1" ? "SHA256" : "SHA1", k, in);
    CHECK_FALSE(other.ok());

    CHECK(trent::hsm::OaepEncode(hash, k, std::string(k - 2 * h - 2, 'x')).ok());
    auto too_long = trent::hsm::OaepEncode(hash, k, std::string(k - 2 * h - 1, 'x'));
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.status().code() == ErrorCode::kValidation);
  }
}
