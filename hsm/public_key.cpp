#include "hsm/public_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <optional>

#include "common/der.h"
#include "common/key_der.h"

namespace trent::hsm {
namespace {

// The OpenSSL error queue is per thread; leave it empty whatever happened.
Status OpensslError(const std::string& what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return InternalError(what + (e != 0 ? std::string(": ") + buf : std::string()));
}

const EVP_MD* OaepMd(std::string_view hash) {
  if (hash == "SHA1") return EVP_sha1();
  if (hash == "SHA256") return EVP_sha256();
  return nullptr;
}

}  // namespace

Result<RsaPublicParts> ParseRsaSpki(const Bytes& spki) {
  std::optional<der::RsaPublicNumbers> numbers = der::ReadRsaSpki(spki);
  if (!numbers) return InternalError("not a DER SubjectPublicKeyInfo of an RSA key");
  return RsaPublicParts{Bytes(numbers->modulus.begin(), numbers->modulus.end()),
                        Bytes(numbers->public_exponent.begin(), numbers->public_exponent.end())};
}

Result<Bytes> ParseEcSpki(const Bytes& spki, const std::string& group) {
  std::optional<der::EcSpkiParts> parts = der::ReadEcSpki(spki);
  if (!parts) return InternalError("not a DER SubjectPublicKeyInfo of an EC key on a named curve");
  TRY(der::ByteSpan curve, der::CurveOid(group));
  if (!std::ranges::equal(curve, parts->curve)) {
    return InternalError("the EC SubjectPublicKeyInfo is not on " + group);
  }
  // The SubjectPublicKeyInfo may hold a compressed point; the module wants it uncompressed.
  std::optional<Bytes> point = der::UncompressedEcPoint(parts->curve, parts->point);
  if (!point) return InternalError("the EC SubjectPublicKeyInfo's point is not on " + group);
  return std::move(*point);
}

Result<Bytes> ParseEd25519Spki(const Bytes& spki) {
  std::optional<der::ByteSpan> point = der::ReadEd25519Spki(spki);
  if (!point) return InternalError("not a DER SubjectPublicKeyInfo of an Ed25519 key");
  return Bytes(point->begin(), point->end());
}

Result<Bytes> ParseDerOctetString(const Bytes& der) {
  der::Reader reader(der);
  std::optional<der::ByteSpan> content = reader.Next(der::kOctetString);
  if (!content || !reader.done()) return InternalError("not a DER OCTET STRING");
  return Bytes(content->begin(), content->end());
}

// RSA_padding_add/check_PKCS1_OAEP_mgf1 are deprecated in OpenSSL 3 with no EVP replacement for
// the encoding alone (EVP does OAEP only together with the RSA operation, which must stay in
// the module for the private key). A pragma, not OPENSSL_SUPPRESS_DEPRECATED: in a unity build
// another file's OpenSSL headers come first.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

Result<Bytes> OaepEncode(std::string_view hash, size_t modulus_bytes, std::string_view message) {
  const EVP_MD* md = OaepMd(hash);
  if (!md) return InternalError("OAEP: unknown hash " + std::string(hash));
  // RFC 8017 7.1.1 step 1.b.
  const size_t h = EVP_MD_get_size(md);
  if (modulus_bytes < 2 * h + 2 || message.size() > modulus_bytes - 2 * h - 2) {
    return ValidationError("the plaintext is too long for RSAES-OAEP with this key");
  }
  Bytes block(modulus_bytes);
  if (RSA_padding_add_PKCS1_OAEP_mgf1(block.data(), static_cast<int>(block.size()),
                                      reinterpret_cast<const unsigned char*>(message.data()),
                                      static_cast<int>(message.size()), nullptr, 0, md,
                                      md) != 1) {
    return OpensslError("RSA_padding_add_PKCS1_OAEP_mgf1");
  }
  return block;
}

Result<SecretBytes> OaepDecode(std::string_view hash, size_t modulus_bytes,
                               const SecretBytes& block) {
  const EVP_MD* md = OaepMd(hash);
  if (!md) return InternalError("OAEP: unknown hash " + std::string(hash));
  if (block.size() != modulus_bytes) {
    return Status(ErrorCode::kInvalidCiphertext, "RSAES-OAEP decoding failed");
  }
  SecretBytes out(modulus_bytes);
  // The block includes the leading zero byte (flen == num), as OpenSSL's own RSA does it.
  const int n = RSA_padding_check_PKCS1_OAEP_mgf1(
      out.data(), static_cast<int>(out.size()), block.data(), static_cast<int>(block.size()),
      static_cast<int>(modulus_bytes), nullptr, 0, md, md);
  ERR_clear_error();
  if (n < 0) return Status(ErrorCode::kInvalidCiphertext, "RSAES-OAEP decoding failed");
  out.resize(static_cast<size_t>(n));
  return out;
}

#pragma GCC diagnostic pop

}  // namespace trent::hsm
