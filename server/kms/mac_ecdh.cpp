#include "server/kms/mac_ecdh.h"

#include <algorithm>
#include <string>

#include "common/key_der.h"

namespace trent::kms {

namespace {

// AWS answers a PublicKey it cannot use with a bare ValidationException (no message).
Status UnusablePublicKey() { return {ErrorCode::kValidation, ""}; }

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
  // Taken apart by trent, not by OpenSSL's d2i_PUBKEY, whose decoders cost more than the
  // agreement itself (common/der.h).
  std::optional<der::EcSpkiParts> own = der::ReadEcSpki(AsBytes(own_spki));
  if (!own) return InternalError("the key's own public key is not an EC key on a named curve");
  std::optional<der::EcSpkiParts> peer = der::ReadEcSpki(AsBytes(peer_spki));
  if (!peer || !std::ranges::equal(peer->curve, own->curve)) return UnusablePublicKey();
  std::optional<Bytes> point = der::UncompressedEcPoint(peer->curve, peer->point);
  if (!point || point->size() != point_size) return UnusablePublicKey();
  return std::move(*point);
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
