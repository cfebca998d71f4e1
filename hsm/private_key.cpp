#include "hsm/private_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>

#include "common/key_der.h"
#include "common/openssl_ptr.h"

namespace trent::hsm {
namespace {

using Pkey = openssl::PkeyPtr;

Result<Pkey> ParsePkcs8(const SecretBytes& der, const char* type) {
  const unsigned char* p = der.data();
  Pkey key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!key || p != der.data() + der.size()) {
    return ValidationError("not a DER private key");
  }
  if (!EVP_PKEY_is_a(key.get(), type)) {
    return ValidationError(std::string("not an ") + type + " private key");
  }
  return key;
}

// A BIGNUM parameter of `key`, big-endian, at least `min_size` bytes (left-padded).
Result<SecretBytes> SecretBnParam(EVP_PKEY* key, const char* name, size_t min_size = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    ERR_clear_error();
    return ValidationError(std::string("the private key lacks ") + name);
  }
  openssl::BnPtr bn(raw);
  const size_t size = std::max(min_size, static_cast<size_t>(BN_num_bytes(bn.get())));
  SecretBytes out(size);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) < 0) {
    BN_clear(bn.get());
    return InternalError(std::string("cannot encode ") + name);
  }
  BN_clear(bn.get());
  return out;
}

Bytes Public(const SecretBytes& b) { return Bytes(b.data(), b.data() + b.size()); }

}  // namespace

der::RsaPrivateNumbers RsaPrivateParts::numbers() const {
  return {modulus,          public_exponent,    private_exponent.bytes(), prime1.bytes(),
          prime2.bytes(),   exponent1.bytes(),  exponent2.bytes(),        coefficient.bytes()};
}

Result<RsaPrivateParts> RsaPartsOf(EVP_PKEY* key) {
  RsaPrivateParts parts;
  TRY(SecretBytes n, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_N));
  TRY(SecretBytes e, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_E));
  parts.modulus = Public(n);
  parts.public_exponent = Public(e);
  TRY(parts.private_exponent, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_D));
  TRY(parts.prime1, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR1));
  TRY(parts.prime2, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_FACTOR2));
  TRY(parts.exponent1, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_EXPONENT1));
  TRY(parts.exponent2, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_EXPONENT2));
  TRY(parts.coefficient, SecretBnParam(key, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  TRY(parts.spki, der::RsaSpki(parts.modulus, parts.public_exponent));
  return parts;
}

Result<EcPrivateParts> EcPartsOf(EVP_PKEY* key, size_t field_bytes) {
  EcPrivateParts parts;
  char group[80] = "";
  size_t group_len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &group_len) != 1) {
    ERR_clear_error();
    return ValidationError("the EC private key names no curve");
  }
  parts.group.assign(group, group_len);
  TRY(parts.value, SecretBnParam(key, OSSL_PKEY_PARAM_PRIV_KEY, field_bytes));
  if (parts.value.size() != field_bytes) {
    return ValidationError("the EC private key's scalar is longer than its curve");
  }
  // The public point uncompressed, whatever form the key came with, as trent stores it.
  unsigned char point[1 + 2 * 66];
  size_t point_len = 0;
  if (EVP_PKEY_set_utf8_string_param(key, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                     "uncompressed") != 1 ||
      EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                      &point_len) != 1) {
    ERR_clear_error();
    return ValidationError("the EC private key's public point cannot be read");
  }
  parts.point.assign(point, point + point_len);
  TRY(parts.spki, der::EcSpki(parts.group, parts.point));
  return parts;
}

Result<Ed25519PrivateParts> Ed25519PartsOf(EVP_PKEY* key) {
  constexpr size_t kEd25519KeyBytes = 32;
  Ed25519PrivateParts parts;
  parts.value = SecretBytes(kEd25519KeyBytes);
  size_t len = parts.value.size();
  if (EVP_PKEY_get_raw_private_key(key, parts.value.data(), &len) != 1 ||
      len != kEd25519KeyBytes) {
    ERR_clear_error();
    return ValidationError("the Ed25519 private key cannot be read");
  }
  parts.point.resize(kEd25519KeyBytes);
  len = parts.point.size();
  if (EVP_PKEY_get_raw_public_key(key, parts.point.data(), &len) != 1 ||
      len != kEd25519KeyBytes) {
    ERR_clear_error();
    return ValidationError("the Ed25519 private key's public key cannot be read");
  }
  TRY(parts.spki, der::Ed25519Spki(parts.point));
  return parts;
}

Result<RsaPrivateParts> ParseRsaPrivateKey(const SecretBytes& der) {
  TRY(Pkey key, ParsePkcs8(der, "RSA"));
  return RsaPartsOf(key.get());
}

Result<EcPrivateParts> ParseEcPrivateKey(const SecretBytes& der, size_t field_bytes) {
  TRY(Pkey key, ParsePkcs8(der, "EC"));
  return EcPartsOf(key.get(), field_bytes);
}

Result<Ed25519PrivateParts> ParseEd25519PrivateKey(const SecretBytes& der) {
  TRY(Pkey key, ParsePkcs8(der, "ED25519"));
  return Ed25519PartsOf(key.get());
}

}  // namespace trent::hsm
