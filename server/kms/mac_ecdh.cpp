#include "server/kms/mac_ecdh.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>
#include <string>

#include "common/openssl_ptr.h"

namespace trent::kms {

namespace {

using openssl::BnPtr;
using openssl::PkeyPtr;

// AWS answers a PublicKey it cannot use with a bare ValidationException (no message).
Status UnusablePublicKey() { return {ErrorCode::kValidation, ""}; }

// An EC key from exactly one DER SubjectPublicKeyInfo (no trailing bytes); null otherwise.
PkeyPtr ParseEcSpki(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = p + der.size();
  if (der.empty() || der.size() > static_cast<size_t>(LONG_MAX)) return nullptr;
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || p != end || !EVP_PKEY_is_a(key.get(), "EC")) return nullptr;
  return key;
}

// The OpenSSL name of an EC key's named curve ("prime256v1", ...); empty when it has none.
std::string GroupName(const EVP_PKEY* key) {
  char name[80];
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len)) {
    return {};
  }
  return std::string(name, len);
}

}  // namespace

Status InvalidMac() {
  // AWS gives no reason, not even a message: {"__type":"KMSInvalidMacException"}.
  return {ErrorCode::kInvalidMac, ""};
}

Result<Bytes> GenerateMac(KeyStore& store, const Key& key, const MacAlgorithm& algorithm,
                          std::string_view message) {
  TRY(auto pin, store.HandleFor(key, key.current_version()));
  TRY(Bytes mac, store.hsm().Mac(pin.handle(), algorithm.hash, message));
  if (mac.size() != algorithm.mac_size) {
    return InternalError("the HSM returned a " + std::to_string(mac.size()) + "-byte " +
                         std::string(algorithm.name));
  }
  return mac;
}

Status VerifyMac(KeyStore& store, const Key& key, const MacAlgorithm& algorithm,
                 std::string_view message, std::string_view mac) {
  // A MAC of another length cannot match; the module need not be asked.
  if (mac.size() != algorithm.mac_size) return InvalidMac();
  TRY(auto pin, store.HandleFor(key, key.current_version()));
  TRY(bool valid, store.hsm().VerifyMac(pin.handle(), algorithm.hash, message, mac));
  return valid ? Status::Ok() : InvalidMac();
}

Result<Bytes> PeerPoint(std::string_view peer_spki, std::string_view own_spki, size_t point_size) {
  PkeyPtr own = ParseEcSpki(own_spki);
  if (!own) return InternalError("the key's own public key is not an EC SubjectPublicKeyInfo");
  const std::string own_group = GroupName(own.get());
  if (own_group.empty() || point_size < 3 || point_size % 2 == 0) {
    return InternalError("the key's own public key has no named curve");
  }

  PkeyPtr peer = ParseEcSpki(peer_spki);
  if (!peer || GroupName(peer.get()) != own_group) return UnusablePublicKey();
  // The affine coordinates; the point at infinity has none. OpenSSL checked when decoding that
  // the point is on the curve.
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  const bool have_x = EVP_PKEY_get_bn_param(peer.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1;
  BnPtr x_owner(x);
  const bool have_y = EVP_PKEY_get_bn_param(peer.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
  BnPtr y_owner(y);
  if (!have_x || !have_y) return UnusablePublicKey();

  const size_t field_bytes = (point_size - 1) / 2;
  Bytes point(point_size);
  point[0] = 0x04;
  if (BN_bn2binpad(x, point.data() + 1, static_cast<int>(field_bytes)) < 0 ||
      BN_bn2binpad(y, point.data() + 1 + field_bytes, static_cast<int>(field_bytes)) < 0) {
    return UnusablePublicKey();
  }
  return point;
}

Result<SecretBytes> DeriveSharedSecret(KeyStore& store, const Key& key,
                                       std::string_view peer_spki) {
  const KeyVersion& version = key.current_version();
  const KeySpecTraits& spec = SpecOf(key.key_spec);
  TRY(Bytes point, PeerPoint(peer_spki, AsStringView(version.public_key), spec.ec_point_size));
  TRY(auto pin, store.HandleFor(key, version));
  auto secret = store.hsm().DeriveEcdh(pin.handle(), AsStringView(point));
  // A point OpenSSL accepted but the module refuses is as unusable to AWS's caller.
  if (!secret.ok() && secret.status().code() == ErrorCode::kValidation) return UnusablePublicKey();
  return secret;
}

}  // namespace trent::kms
