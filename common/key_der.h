// Keys' DER containers written from their parts, and public keys read back (common/der.h says
// why not with OpenSSL's encoders and decoders): X.509 SubjectPublicKeyInfo (RFC 5280; RFC
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

// SubjectPublicKeyInfo taken apart, as DER only (der::Reader): views into the DER it came from;
// nullopt for anything but exactly one SubjectPublicKeyInfo of the kind asked for, whose BIT
// STRING has no unused bits.

// An id-ecPublicKey key on a named curve (explicit curve parameters are refused).
struct EcSpkiParts {
  ByteSpan curve;  // the content of the curve's OBJECT IDENTIFIER
  ByteSpan point;  // as encoded (uncompressed, compressed or hybrid): not checked here
};
std::optional<EcSpkiParts> ReadEcSpki(ByteSpan der);

// An rsaEncryption key: its modulus and public exponent, positive and big-endian without the
// sign byte (as CKA_MODULUS and CKA_PUBLIC_EXPONENT hold them).
struct RsaPublicNumbers {
  ByteSpan modulus;
  ByteSpan public_exponent;
};
std::optional<RsaPublicNumbers> ReadRsaSpki(ByteSpan der);

// An Ed25519 key: the 32-byte RFC 8032 encoding of its point.
std::optional<ByteSpan> ReadEd25519Spki(ByteSpan der);

// The content of the OBJECT IDENTIFIER of OpenSSL's curve `group` (as EcSpki takes it);
// kInternal for a curve OpenSSL does not know.
Result<ByteSpan> CurveOid(const std::string& group);

// `point`, an encoded point (uncompressed, compressed or hybrid) on the curve whose OBJECT
// IDENTIFIER has `curve` as content, in uncompressed form (0x04 || x || y); nullopt when the
// curve is not one of KMS's (P-256, P-384, P-521, secp256k1), or the point is malformed, not
// on the curve, or the point at infinity.
std::optional<Bytes> UncompressedEcPoint(ByteSpan curve, ByteSpan point);

}  // namespace trent::der
