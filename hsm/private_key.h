// Private keys given to trent from outside (a seed file), as DER PKCS#8 PrivateKeyInfo, taken
// apart into the attributes a PKCS#11 module takes in C_CreateObject, with the public key as a
// DER SubjectPublicKeyInfo. OpenSSL only: no PKCS#11 here. Every secret part is SecretBytes.
#pragma once

#include <string>

#include "common/bytes.h"
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
};

// `value`: the private scalar, big-endian, left-padded to the curve's field size (CKA_VALUE).
struct EcPrivateParts {
  std::string group;  // OpenSSL's name of the curve: "prime256v1", "secp384r1", ...
  SecretBytes value;
  Bytes spki;
};

// `value`: the 32-byte private key of RFC 8032 (the seed the signing key is derived from), as
// PKCS#11 takes it in CKA_VALUE of a CKK_EC_EDWARDS private key.
struct Ed25519PrivateParts {
  SecretBytes value;
  Bytes spki;
};

// kValidation when `der` is not one unencrypted PKCS#8 private key of that type.
Result<RsaPrivateParts> ParseRsaPrivateKey(const SecretBytes& der);
// `field_bytes`: the size of the curve's coordinates, to pad the scalar to.
Result<EcPrivateParts> ParseEcPrivateKey(const SecretBytes& der, size_t field_bytes);
Result<Ed25519PrivateParts> ParseEd25519PrivateKey(const SecretBytes& der);

}  // namespace trent::hsm
