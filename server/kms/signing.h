// Sign and Verify with asymmetric keys as AWS KMS defines them, over the HSM's signature
// schemes: hashing RAW messages, checking DIGEST lengths, the PKCS#1 v1.5 DigestInfo, and the
// DER encoding of ECDSA signatures (the HSM speaks r || s, AWS speaks DER).
#pragma once

#include <optional>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "server/kms/key.h"
#include "server/kms/key_spec.h"
#include "server/kms/key_store.h"

namespace trent::kms {

// AWS's MessageType for ML-DSA's external mu (no key spec trent creates takes it).
inline constexpr std::string_view kExternalMuMessage = "EXTERNAL_MU";

// Checks that `algorithm` takes `message_type` (RAW, DIGEST or EXTERNAL_MU) and that a DIGEST
// is as long as the algorithm's hash (ValidationException in AWS's words otherwise), then that
// trent can sign with the algorithm at all (UnsupportedOperationException with the row's
// reason). The caller has already checked the key's usage, state and that the key offers it.
Status CheckMessage(const SigningAlgorithm& algorithm, std::string_view message_type,
                    std::string_view message);

// The signature AWS returns: PKCS#1 v1.5 or PSS bytes for RSA, a DER ECDSA-Sig-Value for ECDSA,
// 64 bytes for Ed25519. `message` has passed CheckMessage.
Result<Bytes> Sign(KeyStore& store, const Key& key, const SigningAlgorithm& algorithm,
                   bool is_digest, std::string_view message);

// Whether `signature` is a valid signature of `message`; a signature that cannot be one (a DER
// that does not parse, the wrong length) is simply not valid.
Result<bool> Verify(KeyStore& store, const Key& key, const SigningAlgorithm& algorithm,
                    bool is_digest, std::string_view message, std::string_view signature);

// A DER ECDSA-Sig-Value (RFC 3279) as r || s, each left-padded to `half` bytes (the curve
// order's size). nullopt when the bytes are not exactly one such DER value, r or s is not
// positive, or does not fit in `half` bytes.
std::optional<Bytes> EcdsaDerToRaw(std::string_view der, size_t half);
// r || s (two halves of equal size) as a DER ECDSA-Sig-Value.
Result<Bytes> EcdsaRawToDer(std::string_view raw);

}  // namespace trent::kms

namespace trent::kms {

// KMSInvalidSignatureException, without a message as AWS answers it.
Status InvalidSignature();

}  // namespace trent::kms
