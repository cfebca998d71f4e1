#include "server/kms/signing.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "common/openssl_ptr.h"

namespace trent::kms {
namespace {

using hsm::SignScheme;

std::string_view View(const Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// The DER encoding of a DigestInfo up to the digest itself (RFC 8017 §9.2, note 1): PKCS#1
// v1.5 signs prefix || digest.
std::string_view DigestInfoPrefix(Hash hash) {
  using namespace std::string_view_literals;
  switch (hash) {
    case Hash::kSha1:
      return "\x30\x21\x30\x09\x06\x05\x2b\x0e\x03\x02\x1a\x05\x00\x04\x14"sv;
    case Hash::kSha224:
      return "\x30\x2d\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x04\x05\x00\x04\x1c"sv;
    case Hash::kSha256:
      return "\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20"sv;
    case Hash::kSha384:
      return "\x30\x41\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x02\x05\x00\x04\x30"sv;
    case Hash::kSha512:
      return "\x30\x51\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x03\x05\x00\x04\x40"sv;
  }
  return {};
}

const EVP_MD* Md(Hash hash) {
  switch (hash) {
    case Hash::kSha1: return EVP_sha1();
    case Hash::kSha224: return EVP_sha224();
    case Hash::kSha256: return EVP_sha256();
    case Hash::kSha384: return EVP_sha384();
    case Hash::kSha512: return EVP_sha512();
  }
  return nullptr;
}

Result<Bytes> Digest(Hash hash, std::string_view message) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  if (EVP_Digest(message.data(), message.size(), out.data(), &size, Md(hash), nullptr) != 1) {
    return InternalError("EVP_Digest failed");
  }
  out.resize(size);
  return out;
}

// What the HSM signs for `message` (checked by CheckMessage): the message itself for pure
// Ed25519, else the digest (hashed here for RAW), behind its DigestInfo for PKCS#1 v1.5.
Result<Bytes> SchemeInput(const SigningAlgorithm& algorithm, bool is_digest,
                          std::string_view message) {
  if (!is_digest && algorithm.hsm_hashes_raw) return Bytes(message.begin(), message.end());
  Bytes digest;
  if (is_digest) {
    digest.assign(message.begin(), message.end());
  } else {
    TRY(digest, Digest(algorithm.hash, message));
  }
  if (algorithm.scheme == SignScheme::kRsaPkcs1) {
    std::string_view prefix = DigestInfoPrefix(algorithm.hash);
    digest.insert(digest.begin(), prefix.begin(), prefix.end());
  }
  return digest;
}

// The size of r and of s in an ECDSA signature by a key of `spec`: the size of the curve's
// order, which for the curves trent offers is the size of a coordinate.
size_t EcdsaHalf(const KeySpecTraits& spec) { return (spec.ec_point_size - 1) / 2; }

using SigPtr = openssl::EcdsaSigPtr;

}  // namespace

Status CheckMessage(const SigningAlgorithm& algorithm, std::string_view message_type,
                    std::string_view message) {
  const std::string name(algorithm.name);
  bool allowed = (message_type == kRawMessage && algorithm.accepts_raw) ||
                 (message_type == kDigestMessage && algorithm.accepts_digest);
  if (!allowed) {
    return ValidationError("Message type " + std::string(message_type) +
                           " is incompatible with algorithm " + name + ".");
  }
  if (message_type == kDigestMessage && message.size() != DigestSize(algorithm.hash)) {
    return ValidationError("Digest is invalid length for algorithm " + name + ".");
  }
  if (!algorithm.scheme) return UnsupportedError(std::string(algorithm.unsupported));
  return Status::Ok();
}

Result<Bytes> Sign(KeyStore& store, const Key& key, const SigningAlgorithm& algorithm,
                   bool is_digest, std::string_view message) {
  if (!algorithm.scheme) return UnsupportedError(std::string(algorithm.unsupported));
  TRY(Bytes input, SchemeInput(algorithm, is_digest, message));
  TRY(auto pin, store.HandleFor(key, key.current_version()));
  TRY(Bytes signature, store.hsm().Sign(pin.handle(), *algorithm.scheme, View(input)));
  if (*algorithm.scheme != SignScheme::kEcdsa) return signature;
  return EcdsaRawToDer(View(signature));
}

Result<bool> Verify(KeyStore& store, const Key& key, const SigningAlgorithm& algorithm,
                    bool is_digest, std::string_view message, std::string_view signature) {
  if (!algorithm.scheme) return UnsupportedError(std::string(algorithm.unsupported));
  const KeySpecTraits& spec = SpecOf(key.key_spec);
  Bytes raw;
  switch (*algorithm.scheme) {
    case SignScheme::kEcdsa: {
      std::optional<Bytes> parsed = EcdsaDerToRaw(signature, EcdsaHalf(spec));
      if (!parsed) return false;
      raw = std::move(*parsed);
      break;
    }
    case SignScheme::kEd25519:
      if (signature.size() != 64) return false;
      raw.assign(signature.begin(), signature.end());
      break;
    default:  // RSA: exactly the modulus' size
      if (signature.size() != spec.rsa_modulus_bytes) return false;
      raw.assign(signature.begin(), signature.end());
      break;
  }
  TRY(Bytes input, SchemeInput(algorithm, is_digest, message));
  TRY(auto pin, store.HandleFor(key, key.current_version()));
  return store.hsm().Verify(pin.handle(), *algorithm.scheme, View(input), View(raw));
}

std::optional<Bytes> EcdsaDerToRaw(std::string_view der, size_t half) {
  if (der.empty() || half == 0) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return std::nullopt;
  }
  // Only the one DER encoding of the value (as OpenSSL's own ECDSA verification requires).
  unsigned char* reencoded = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &reencoded);
  bool canonical = n > 0 && static_cast<size_t>(n) == der.size() &&
                   std::string_view(reinterpret_cast<const char*>(reencoded), n) == der;
  OPENSSL_free(reencoded);
  if (!canonical) return std::nullopt;
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  for (const BIGNUM* v : {r, s}) {
    if (BN_is_negative(v) || BN_is_zero(v) || static_cast<size_t>(BN_num_bytes(v)) > half) {
      return std::nullopt;
    }
  }
  Bytes raw(2 * half);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, raw.data() + half, static_cast<int>(half)) < 0) {
    return std::nullopt;
  }
  return raw;
}

Result<Bytes> EcdsaRawToDer(std::string_view raw) {
  if (raw.empty() || raw.size() % 2 != 0) {
    return InternalError("the HSM's ECDSA signature is not r || s");
  }
  size_t half = raw.size() / 2;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  SigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, static_cast<int>(half), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return InternalError("ECDSA_SIG_set0 failed");
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return InternalError("i2d_ECDSA_SIG failed");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

}  // namespace trent::kms

namespace trent::kms {

Status InvalidSignature() { return {ErrorCode::kInvalidSignature, ""}; }

}  // namespace trent::kms
