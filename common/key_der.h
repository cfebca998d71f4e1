// Keys' DER containers written from their parts, and an EC public key read back (common/der.h
// says why not with OpenSSL's encoders and decoders): X.509 SubjectPublicKeyInfo (RFC 5280; RFC
// 5480 for EC, RFC 8410 for Ed25519) and PKCS#8 PrivateKeyInfo (RFC 5208), byte for byte as
// OpenSSL writes them.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace trent::der {

using ByteSpan = std::span<const uint8_t>;

// Big-endian unsigned integers, in RSAPrivateKey's order (RFC 8017 A.1.2).
struct RsaPrivateNumbers {
  ByteSpan modulus;
  ByteSpan public_exponent;
  ByteSpan private_exponent;
  ByteSpan prime1;
  ByteSpan prime2;
  ByteSpan exponent1;
  ByteSpan exponent2;
  ByteSpan coefficient;
};

// `group` is OpenSSL's name of the curve ("prime256v1", "secp384r1", "secp521r1",
// "secp256k1", or the NIST names "P-256", ...); an unknown one is kInternal. `point` is the
// uncompressed point (0x04 || x || y), `scalar` the private value left-padded to the field size.
Result<Bytes> RsaSpki(ByteSpan modulus, ByteSpan public_exponent);
Result<Bytes> EcSpki(const std::string& group, ByteSpan point);
Result<Bytes> Ed25519Spki(ByteSpan point);  // the 32-byte RFC 8032 encoding

Result<SecretBytes> RsaPkcs8(const RsaPrivateNumbers& numbers);
Result<SecretBytes> EcPkcs8(const std::string& group, ByteSpan scalar, ByteSpan point);
Result<SecretBytes> Ed25519Pkcs8(ByteSpan seed);  // the 32-byte RFC 8032 private key

// An EC SubjectPublicKeyInfo on a named curve, taken apart: views into the DER it came from.
struct EcSpkiParts {
  ByteSpan curve;  // the content of the curve's OBJECT IDENTIFIER
  ByteSpan point;  // as encoded (uncompressed, compressed or hybrid): not checked here
};
// nullopt for anything but exactly one DER SubjectPublicKeyInfo of an id-ecPublicKey key with a
// named curve (explicit curve parameters included), whose BIT STRING has no unused bits.
std::optional<EcSpkiParts> ReadEcSpki(ByteSpan der);

}  // namespace trent::der
