// Test-only inspection of the module, so tests can show that unwrapped key material cannot
// leave it and does not accumulate. Not for production code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// `hsm` must come from Hsm::Open; `key` from its UnwrapKey.
Result<KeyProtection> InspectKeyForTesting(Hsm& hsm, KeyHandle key);

// The public key object UnwrapKey created beside a key pair's private key; fails for a key
// that is no key pair.
Result<KeyProtection> InspectPublicKeyForTesting(Hsm& hsm, KeyHandle key);

struct SessionKeyCount {
  size_t keys = 0;         // unwrapped secret and private keys
  size_t public_keys = 0;  // public key objects (the companions of unwrapped key pairs)
};
Result<SessionKeyCount> CountSessionObjectsForTesting(Hsm& hsm);

// How many unwrapped key versions the module holds, as the module counts them (not as trent's
// bookkeeping does). `hsm` must come from Hsm::Open.
Result<size_t> CountSessionKeysForTesting(Hsm& hsm);

// One object the module shows in trent's session (a session object of that session or a token
// object), as C_FindObjects with an empty template finds it, with what protects it.
struct ModuleObject {
  enum class Class { kSecretKey, kPrivateKey, kPublicKey, kOther };
  uint64_t handle = 0;
  Class object_class = Class::kOther;
  unsigned long raw_class = 0;  // CKA_CLASS as the module gave it
  std::string key_type;         // "CKK_AES", "CKK_EC", ... ("" when not a key)
  std::string label;            // CKA_LABEL ("" if none)
  bool token_object = false;    // CKA_TOKEN
  bool private_object = false;  // CKA_PRIVATE
  // For secret and private keys (false for other objects).
  bool sensitive = false, extractable = true, always_sensitive = false,
       never_extractable = false;
  // For secret and private keys: each key-material attribute the module was asked for
  // (CKA_VALUE, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
  // CKA_EXPONENT_2, CKA_COEFFICIENT), with the module's answer ("CKR_ATTRIBUTE_SENSITIVE",
  // "CKR_ATTRIBUTE_TYPE_INVALID", or "CKR_OK" if it handed the value out) and how many value
  // bytes it wrote into the buffer offered.
  struct MaterialRead {
    std::string attribute;
    std::string answer;
    size_t bytes_returned = 0;
  };
  std::vector<MaterialRead> material_reads;
};

// Every object the module shows in trent's session: C_FindObjects with an empty template.
Result<std::vector<ModuleObject>> ListModuleObjectsForTesting(Hsm& hsm);

}  // namespace trent::hsm
