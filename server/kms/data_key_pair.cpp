#include "server/kms/data_key_pair.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>
#include <unordered_map>

#include "common/key_der.h"
#include "common/openssl_ptr.h"
#include "hsm/private_key.h"

namespace trent::kms {
namespace {

Status Failed(const DataKeyPairSpec& spec, const std::string& what) {
  ERR_clear_error();
  return InternalError(std::string("data key pair ") + std::string(spec.name) + ": " + what);
}

// A new key generation context for `spec`, or null.
openssl::PkeyCtxPtr NewKeygenContext(const DataKeyPairSpec& spec) {
  const std::string type(spec.openssl_type);
  openssl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type.c_str(), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return nullptr;
  const std::string curve(spec.curve);
  unsigned bits = spec.rsa_bits;
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  if (bits != 0) {
    params[0] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &bits);
  } else if (!curve.empty()) {
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 const_cast<char*>(curve.c_str()), 0);
  }
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) <= 0) return nullptr;
  return ctx;
}

Result<openssl::PkeyPtr> Generate(const DataKeyPairSpec& spec) {
  // One context per spec and thread, kept: making one looks the algorithm up in OpenSSL's
  // provider store (a third of an EC pair's time), and a context generates any number of keys.
  thread_local std::unordered_map<const DataKeyPairSpec*, openssl::PkeyCtxPtr> contexts;
  openssl::PkeyCtxPtr& ctx = contexts[&spec];
  if (!ctx) ctx = NewKeygenContext(spec);
  if (!ctx) return Failed(spec, "making a key generation context failed");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) <= 0) return Failed(spec, "EVP_PKEY_generate failed");
  return openssl::PkeyPtr(raw);
}

// The key's parts written as PKCS#8 and SubjectPublicKeyInfo by trent (common/key_der), not by
// OpenSSL's encoders, which cost several times the generation of an EC key.
Status Encode(EVP_PKEY* key, DataKeyPair& pair) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    TRY(hsm::RsaPrivateParts parts, hsm::RsaPartsOf(key));
    TRY(pair.private_key, der::RsaPkcs8(parts.numbers()));
    pair.public_key = std::move(parts.spki);
  } else if (EVP_PKEY_is_a(key, "EC")) {
    const size_t field_bytes = (static_cast<size_t>(EVP_PKEY_get_bits(key)) + 7) / 8;
    TRY(hsm::EcPrivateParts parts, hsm::EcPartsOf(key, field_bytes));
    TRY(pair.private_key, der::EcPkcs8(parts.group, parts.value.bytes(), parts.point));
    pair.public_key = std::move(parts.spki);
  } else {
    TRY(hsm::Ed25519PrivateParts parts, hsm::Ed25519PartsOf(key));
    TRY(pair.private_key, der::Ed25519Pkcs8(parts.value.bytes()));
    pair.public_key = std::move(parts.spki);
  }
  return Status::Ok();
}

}  // namespace

Result<DataKeyPair> GenerateDataKeyPair(const DataKeyPairSpec& spec) {
  if (!spec.unsupported.empty()) return UnsupportedError(std::string(spec.unsupported));
  TRY(openssl::PkeyPtr key, Generate(spec));
  DataKeyPair pair;
  Status encoded = Encode(key.get(), pair);
  if (!encoded.ok()) return Failed(spec, encoded.message());
  return pair;
}

}  // namespace trent::kms
