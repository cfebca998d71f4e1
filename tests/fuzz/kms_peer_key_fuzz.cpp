// PeerPoint (DeriveSharedSecret's parsing of the peer's public key: trent's DER reader, then
// OpenSSL's point decoding) on arbitrary bytes, against the public key of a P-256, P-384 or
// P-521 KMS key (the input's first byte picks which): it never crashes; what it accepts is an
// uncompressed point of the KMS key's size, on its curve (OpenSSL builds a key from it), and
// OpenSSL's SubjectPublicKeyInfo of that point parses back to the same point. Seeds
// (tests/fuzz/corpus/kms_peer_key/): peer keys on each curve, compressed points, secp256k1,
// RSA, truncations.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/kms/mac_ecdh.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

struct Curve {
  const char* group;   // OpenSSL's name
  size_t point_size;
  std::string own_spki;
};

std::string GenerateSpki(const char* group) {
  EVP_PKEY* key = EVP_EC_gen(group);
  FUZZ_CHECK(key != nullptr);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  FUZZ_CHECK(len > 0);
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  return out;
}

// OpenSSL's key of `point` on `group` as a SubjectPublicKeyInfo; empty when it makes none (a
// point not on the curve).
std::string OpensslSpki(const char* group, const trent::Bytes& point) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                        const_cast<uint8_t*>(point.data()), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  const bool made = ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
                    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!made) return {};
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  EVP_PKEY_free(key);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::array<Curve, 3>& Curves() {
  static std::array<Curve, 3> curves = {{
      {"prime256v1", 65, GenerateSpki("prime256v1")},
      {"secp384r1", 97, GenerateSpki("secp384r1")},
      {"secp521r1", 133, GenerateSpki("secp521r1")},
  }};
  return curves;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Curve& curve = Curves()[data[0] % 3];
  std::string_view peer(reinterpret_cast<const char*>(data + 1), size - 1);

  auto point = trent::kms::PeerPoint(peer, curve.own_spki, curve.point_size);
  if (!point.ok()) {
    // Bytes it cannot use: a ValidationException without a message, never anything else.
    FUZZ_CHECK(point.status().code() == trent::ErrorCode::kValidation);
    FUZZ_CHECK(point.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(point->size() == curve.point_size);
  FUZZ_CHECK((*point)[0] == 0x04);
  // The point is on the curve: OpenSSL makes a key of it, and that key's SubjectPublicKeyInfo
  // gives the same point back.
  const std::string spki = OpensslSpki(curve.group, *point);
  FUZZ_CHECK(!spki.empty());
  auto again = trent::kms::PeerPoint(spki, curve.own_spki, curve.point_size);
  FUZZ_CHECK(again.ok() && *again == *point);
  return 0;
}
