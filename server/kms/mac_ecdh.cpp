#include "server/kms/mac_ecdh.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "common/der.h"
#include "common/key_der.h"
#include "common/openssl_ptr.h"

namespace trent::kms {

namespace {

// AWS answers a PublicKey it cannot use with a bare ValidationException (no message).
Status UnusablePublicKey() { return {ErrorCode::kValidation, ""}; }

// OpenSSL's group of the named curve whose OBJECT IDENTIFIER has `oid` as content, made once
// per curve and shared (a group is only read); null for a curve OpenSSL does not know.
const EC_GROUP* CurveGroup(der::ByteSpan oid) {
  struct Curve {
    Bytes oid;
    openssl::EcGroupPtr group;
  };
  static std::mutex mu;
  static std::vector<Curve> curves;  // guarded by mu; a few at most (the KEY_AGREEMENT specs')
  std::lock_guard lock(mu);
  for (const Curve& c : curves) {
    if (std::ranges::equal(c.oid, oid)) return c.group.get();
  }
  const Bytes encoded = der::ObjectIdentifier(oid).Encode();
  const unsigned char* p = encoded.data();
  ASN1_OBJECT* object = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(encoded.size()));
  const int nid = object ? OBJ_obj2nid(object) : NID_undef;
  ASN1_OBJECT_free(object);
  openssl::EcGroupPtr group(nid == NID_undef ? nullptr : EC_GROUP_new_by_curve_name(nid));
  ERR_clear_error();
  if (!group) return nullptr;
  curves.push_back({Bytes(oid.begin(), oid.end()), std::move(group)});
  return curves.back().group.get();
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
  // Taken apart by trent, not by OpenSSL's d2i_PUBKEY, whose decoders cost more than the
  // agreement itself (common/der.h).
  std::optional<der::EcSpkiParts> own = der::ReadEcSpki(AsBytes(own_spki));
  const EC_GROUP* group = own ? CurveGroup(own->curve) : nullptr;
  if (!group || point_size < 3 || point_size % 2 == 0) {
    return InternalError("the key's own public key is not an EC key on a named curve");
  }
  std::optional<der::EcSpkiParts> peer = der::ReadEcSpki(AsBytes(peer_spki));
  if (!peer || !std::ranges::equal(peer->curve, own->curve)) return UnusablePublicKey();
  // Decoding checks that the point is on the curve (and finds y for a compressed one).
  openssl::EcPointPtr point(EC_POINT_new(group));
  const bool usable =
      point &&
      EC_POINT_oct2point(group, point.get(), peer->point.data(), peer->point.size(), nullptr) ==
          1 &&
      EC_POINT_is_at_infinity(group, point.get()) == 0;
  Bytes uncompressed(point_size);
  if (!usable || EC_POINT_point2oct(group, point.get(), POINT_CONVERSION_UNCOMPRESSED,
                                    uncompressed.data(), uncompressed.size(),
                                    nullptr) != point_size) {
    ERR_clear_error();
    return UnusablePublicKey();
  }
  return uncompressed;
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
