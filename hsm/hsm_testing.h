// Test-only inspection of the module, so tests can show that unwrapped key material cannot
// leave it and does not accumulate. Not for production code.
#pragma once

#include "common/status.h"
#include "hsm/hsm.h"

namespace trent::hsm {

struct KeyProtection {
  bool sensitive = false;     // CKA_SENSITIVE
  bool extractable = false;   // CKA_EXTRACTABLE
  bool token_object = false;  // CKA_TOKEN
  bool wrap_refused = false;  // C_WrapKey under the domain key failed
  // The usages the object allows (an attribute its type lacks reads as false).
  bool encrypt = false, decrypt = false, sign = false, verify = false, derive = false,
       wrap = false, unwrap = false;
};

// `hsm` must come from Hsm::Open. `key` may be any object of the module's session (a handle
// from UnwrapKey or one from PublicKeyObjectForTesting).
Result<KeyProtection> InspectKeyForTesting(Hsm& hsm, KeyHandle key);

// The public key object UnwrapKey created beside a key pair's private key.
Result<KeyHandle> PublicKeyObjectForTesting(Hsm& hsm, KeyHandle key);

struct SessionKeyCount {
  size_t keys = 0;         // unwrapped secret and private keys
  size_t public_keys = 0;  // public key objects (the companions of unwrapped key pairs)
};
Result<SessionKeyCount> CountSessionObjectsForTesting(Hsm& hsm);

// How many unwrapped key versions the module holds, as the module counts them (not as trent's
// bookkeeping does). `hsm` must come from Hsm::Open.
Result<size_t> CountSessionKeysForTesting(Hsm& hsm);

}  // namespace trent::hsm
