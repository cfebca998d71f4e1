// Public keys as DER SubjectPublicKeyInfo (what GenerateKey returns and KMS's GetPublicKey
// hands out) taken apart into the parts a PKCS#11 module speaks in (common/key_der reads and
// builds them); and the OAEP encoding, for modules whose RSA-OAEP offers only SHA-1. No PKCS#11
// here, and nothing here sees private key material.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace trent::hsm {

// Big-endian unsigned integers, as CKA_MODULUS and CKA_PUBLIC_EXPONENT hold them.
struct RsaPublicParts {
  Bytes modulus;
  Bytes exponent;
};

Result<RsaPublicParts> ParseRsaSpki(const Bytes& spki);

// The uncompressed point (0x04 || x || y) of an EC SubjectPublicKeyInfo on `group`, OpenSSL's
// name of the curve ("prime256v1", "secp384r1", "secp521r1", "secp256k1"); another curve fails.
Result<Bytes> ParseEcSpki(const Bytes& spki, const std::string& group);

// The 32-byte RFC 8032 encoding of the point.
Result<Bytes> ParseEd25519Spki(const Bytes& spki);

// The content of a DER OCTET STRING (CKA_EC_POINT; kInternal when `der` is not exactly one
// OCTET STRING).
Result<Bytes> ParseDerOctetString(const Bytes& der);

// RSAES-OAEP encoding (RFC 8017 7.1.1 step 2, MGF1 of the same hash, empty label) of `message`
// into a block of `modulus_bytes` bytes, leading zero included, for a raw RSA operation.
// `hash` is "SHA1" or "SHA256". A message too long for the key is kValidation.
Result<Bytes> OaepEncode(std::string_view hash, size_t modulus_bytes, std::string_view message);
// The message inside a block from a raw RSA decryption; in constant time as far as the block's
// contents go. Any malformed block is kInvalidCiphertext, without saying how.
Result<SecretBytes> OaepDecode(std::string_view hash, size_t modulus_bytes,
                               const SecretBytes& block);

}  // namespace trent::hsm
