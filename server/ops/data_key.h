// GenerateDataKey and GenerateDataKeyWithoutPlaintext differ only in what they return.
#pragma once

#include "server/ops/shared.h"

namespace trent::ops {

// Data keys and data key pairs are encrypted under a symmetric encryption key:
// InvalidKeyUsageException "You cannot generate a data key with an asymmetric CMK" (AWS's
// words, no period) for an RSA ENCRYPT_DECRYPT key. Call after RequireEncryptDecrypt.
Status RequireSymmetricWrappingKey(const kms::Key& key);

// Makes a data key from the HSM's random generator and encrypts it under the requested key.
// Returns the response without the Plaintext member, and the plaintext separately.
// `operation`: kGenerateDataKey or kGenerateDataKeyWithoutPlaintext.
Result<Output> MakeDataKey(const Call& call, const Input& in, Services& s,
                           kms::UsageOperation operation, SecretBytes& plaintext);

// Makes a data key pair in software (kms::GenerateDataKeyPair) and encrypts its private key
// under the requested symmetric key. Returns the response without PrivateKeyPlaintext, and
// the private key separately. `operation`: kGenerateDataKeyPair or
// kGenerateDataKeyPairWithoutPlaintext.
Result<Output> MakeDataKeyPair(const Call& call, const Input& in, Services& s,
                               kms::UsageOperation operation, SecretBytes& private_key);

}  // namespace trent::ops
