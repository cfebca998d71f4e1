// GenerateDataKey and GenerateDataKeyWithoutPlaintext differ only in what they return.
#pragma once

#include "server/ops/shared.h"

namespace trent::ops {

// Makes a data key from the HSM's random generator and encrypts it under the requested key.
// Returns the response without the Plaintext member, and the plaintext separately.
// `operation`: kGenerateDataKey or kGenerateDataKeyWithoutPlaintext.
Result<Output> MakeDataKey(const Call& call, const Input& in, Services& s,
                           kms::UsageOperation operation, SecretBytes& plaintext);

}  // namespace trent::ops
