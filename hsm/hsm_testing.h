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
};

// `hsm` must come from Hsm::Open.
Result<KeyProtection> InspectKeyForTesting(Hsm& hsm, KeyHandle key);

// How many unwrapped key versions the module holds, as the module counts them (not as trent's
// bookkeeping does). `hsm` must come from Hsm::Open.
Result<size_t> CountSessionKeysForTesting(Hsm& hsm);

}  // namespace trent::hsm
