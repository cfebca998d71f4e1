#include "server/kms/data_key_pair.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "common/openssl_ptr.h"

namespace trent::kms {
namespace {

Status Failed(const DataKeyPairSpec& spec, const char* what) {
  return InternalError(std::string("data key pair ") + std::string(spec.name) + ": " + what +
                       " failed");
}

}  // namespace

Result<DataKeyPair> GenerateDataKeyPair(const DataKeyPairSpec& spec) {
  if (!spec.unsupported.empty()) return UnsupportedError(std::string(spec.unsupported));
  const std::string type(spec.openssl_type);
  openssl::PkeyCtxPtr ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type.c_str(), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0) return Failed(spec, "EVP_PKEY_keygen_init");
  const std::string curve(spec.curve);
  unsigned bits = spec.rsa_bits;
  OSSL_PARAM params[2] = {OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end()};
  if (bits != 0) {
    params[0] = OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_BITS, &bits);
  } else if (!curve.empty()) {
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                 const_cast<char*>(curve.c_str()), 0);
  }
  if (EVP_PKEY_CTX_set_params(ctx.get(), params) <= 0) {
    return Failed(spec, "EVP_PKEY_CTX_set_params");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) <= 0) return Failed(spec, "EVP_PKEY_generate");
  openssl::PkeyPtr pkey(raw);

  DataKeyPair pair;
  // PKCS#8 PrivateKeyInfo, written straight into the buffer that wipes itself.
  openssl::Pkcs8Ptr p8(EVP_PKEY2PKCS8(pkey.get()));
  if (!p8) return Failed(spec, "EVP_PKEY2PKCS8");
  const int private_size = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
  if (private_size <= 0) return Failed(spec, "i2d_PKCS8_PRIV_KEY_INFO");
  pair.private_key = SecretBytes(static_cast<size_t>(private_size));
  unsigned char* out = pair.private_key.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &out) != private_size) {
    return Failed(spec, "i2d_PKCS8_PRIV_KEY_INFO");
  }
  const int public_size = i2d_PUBKEY(pkey.get(), nullptr);
  if (public_size <= 0) return Failed(spec, "i2d_PUBKEY");
  pair.public_key.resize(static_cast<size_t>(public_size));
  out = pair.public_key.data();
  if (i2d_PUBKEY(pkey.get(), &out) != public_size) return Failed(spec, "i2d_PUBKEY");
  return pair;
}

}  // namespace trent::kms
