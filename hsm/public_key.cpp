// RSA_padding_add/check_PKCS1_OAEP_mgf1 are deprecated in OpenSSL 3 with no EVP replacement for
// the encoding alone (EVP does OAEP only together with the RSA operation, which must stay in
// the module for the private key).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "hsm/public_key.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "common/openssl_ptr.h"

namespace trent::hsm {
namespace {

using Pkey = openssl::PkeyPtr;
using Bn = openssl::BnPtr;

// The OpenSSL error queue is per thread; leave it empty whatever happened.
Status OpensslError(const std::string& what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return InternalError(what + (e != 0 ? std::string(": ") + buf : std::string()));
}

Result<Pkey> FromSpki(const Bytes& spki, const char* type) {
  const unsigned char* p = spki.data();
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!key) return OpensslError("not a DER SubjectPublicKeyInfo");
  if (p != spki.data() + spki.size()) {
    return InternalError("bytes after the SubjectPublicKeyInfo");
  }
  if (!EVP_PKEY_is_a(key.get(), type)) {
    return InternalError(std::string("the SubjectPublicKeyInfo is not an ") + type + " key");
  }
  return key;
}

Result<Bytes> BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) <= 0) {
    return OpensslError(std::string("EVP_PKEY_get_bn_param ") + name);
  }
  Bn bn(raw);
  Bytes out(BN_num_bytes(bn.get()));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

const EVP_MD* OaepMd(std::string_view hash) {
  if (hash == "SHA1") return EVP_sha1();
  if (hash == "SHA256") return EVP_sha256();
  return nullptr;
}

}  // namespace

Result<RsaPublicParts> ParseRsaSpki(const Bytes& spki) {
  TRY(Pkey key, FromSpki(spki, "RSA"));
  RsaPublicParts parts;
  TRY(parts.modulus, BnParam(key.get(), OSSL_PKEY_PARAM_RSA_N));
  TRY(parts.exponent, BnParam(key.get(), OSSL_PKEY_PARAM_RSA_E));
  return parts;
}

Result<Bytes> ParseEcSpki(const Bytes& spki, const std::string& group) {
  TRY(Pkey key, FromSpki(spki, "EC"));
  char name[64] = "";
  if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name,
                                     nullptr) <= 0) {
    return OpensslError("the EC SubjectPublicKeyInfo names no curve");
  }
  if (group != name) {
    return InternalError("the EC SubjectPublicKeyInfo is on " + std::string(name) + ", not " +
                         group);
  }
  // The SubjectPublicKeyInfo may hold a compressed point; the module wants it uncompressed.
  if (EVP_PKEY_set_utf8_string_param(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                     OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) <= 0) {
    return OpensslError("EC point conversion format");
  }
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0,
                                      &len) <= 0) {
    return OpensslError("EC public point");
  }
  Bytes point(len);
  if (EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                      point.data(), point.size(), &len) <= 0) {
    return OpensslError("EC public point");
  }
  point.resize(len);
  return point;
}

Result<Bytes> ParseEd25519Spki(const Bytes& spki) {
  TRY(Pkey key, FromSpki(spki, "ED25519"));
  Bytes point(32);
  size_t len = point.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), point.data(), &len) <= 0 || len != point.size()) {
    return OpensslError("Ed25519 public point");
  }
  return point;
}

Result<Bytes> ParseDerOctetString(const Bytes& der) {
  if (der.size() < 2 || der[0] != 0x04) return InternalError("not a DER OCTET STRING");
  size_t header = 2, n = der[1];
  if (n == 0x81 && der.size() >= 3 && der[2] >= 0x80) {
    header = 3;
    n = der[2];
  } else if (n == 0x82 && der.size() >= 4 && der[2] != 0) {
    header = 4;
    n = (size_t{der[2]} << 8) | der[3];
  } else if (n >= 0x80) {
    return InternalError("not a DER OCTET STRING (length)");
  }
  if (der.size() != header + n) return InternalError("not a DER OCTET STRING (size)");
  return Bytes(der.begin() + header, der.end());
}

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

}  // namespace trent::hsm
