// Private keys taken apart into the attributes a PKCS#11 module takes in C_CreateObject, with
// the public key as a DER SubjectPublicKeyInfo: keys given to trent from outside (a seed file)
// as DER PKCS#8 PrivateKeyInfo, or made by OpenSSL (data key pairs, which common/key_der then
// writes as PKCS#8). OpenSSL only: no PKCS#11 here. Every secret part is SecretBytes.
#pragma once

#include <openssl/types.h>

#include <string>

#include "common/bytes.h"
#include "common/key_der.h"
#include "common/status.h"

namespace trent::hsm {

// Big-endian unsigned integers (CKA_MODULUS ... CKA_COEFFICIENT).
struct RsaPrivateParts {
  Bytes modulus;
  Bytes public_exponent;
  SecretBytes private_exponent;
  SecretBytes prime1;
  SecretBytes prime2;
  SecretBytes exponent1;
  SecretBytes exponent2;
  SecretBytes coefficient;
  Bytes spki;

  der::RsaPrivateNumbers numbers() const;  // views of the above, valid while they are
};

// `value`: the private scalar, big-endian, left-padded to the curve's field size (CKA_VALUE).
struct EcPrivateParts {
  std::string group;  // OpenSSL's name of the curve: "prime256v1", "secp384r1", ...
  SecretBytes value;
  Bytes point;  // uncompressed (0x04 || x || y)
  Bytes spki;
};

// `value`: the 32-byte private key of RFC 8032 (the seed the signing key is derived from), as
// PKCS#11 takes it in CKA_VALUE of a CKK_EC_EDWARDS private key.
struct Ed25519PrivateParts {
  SecretBytes value;
  Bytes point;  // the 32-byte RFC 8032 public key
  Bytes spki;
};

// The parts of a private key OpenSSL holds; kValidation when it lacks one. `field_bytes`: the
// size of the curve's coordinates, to pad the scalar to. EcPartsOf sets the key's point
// conversion format to uncompressed.
Result<RsaPrivateParts> RsaPartsOf(EVP_PKEY* key);
Result<EcPrivateParts> EcPartsOf(EVP_PKEY* key, size_t field_bytes);
Result<Ed25519PrivateParts> Ed25519PartsOf(EVP_PKEY* key);

// kValidation when `der` is not one unencrypted PKCS#8 private key of that type.
Result<RsaPrivateParts> ParseRsaPrivateKey(const SecretBytes& der);
Result<EcPrivateParts> ParseEcPrivateKey(const SecretBytes& der, size_t field_bytes);
Result<Ed25519PrivateParts> ParseEd25519PrivateKey(const SecretBytes& der);

}  // namespace trent::hsm
