// HMAC (GenerateMac, VerifyMac) and ECDH key agreement (DeriveSharedSecret) with a key's
// material inside the HSM, and the parsing of the peer's public key ECDH takes.
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "server/kms/key.h"
#include "server/kms/key_spec.h"
#include "server/kms/key_store.h"

namespace trent::kms {

// KMSInvalidMacException, without a message as AWS answers it.
Status InvalidMac();

// The HMAC of `message` with an HMAC key's material (its current version).
Result<Bytes> GenerateMac(KeyStore& store, const Key& key, const MacAlgorithm& algorithm,
                          std::string_view message);
// OK when `mac` is the HMAC of `message`; InvalidMac() for any other MAC, of any length.
Status VerifyMac(KeyStore& store, const Key& key, const MacAlgorithm& algorithm,
                 std::string_view message, std::string_view mac);

// The uncompressed point (0x04 || x || y, `point_size` bytes) of a peer's public key given as a
// DER SubjectPublicKeyInfo, which must be an EC key on the named curve of `own_spki` (the KMS
// key's own SubjectPublicKeyInfo). Anything else (not DER, trailing bytes, not EC, another
// curve, explicit curve parameters, the point at infinity) is a ValidationException without a
// message, as AWS answers bytes it cannot use as the peer's key.
Result<Bytes> PeerPoint(std::string_view peer_spki, std::string_view own_spki, size_t point_size);

// ECDH between a KEY_AGREEMENT key's private key (inside the HSM) and the peer's public key
// (a DER SubjectPublicKeyInfo, see PeerPoint): the raw shared secret, the x coordinate of the
// shared point, as AWS returns it.
Result<SecretBytes> DeriveSharedSecret(KeyStore& store, const Key& key, std::string_view peer_spki);

}  // namespace trent::kms
