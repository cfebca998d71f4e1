// AWS's policy evaluation logic for one KMS request: the key policy, the caller's identity
// policies and the key's grants together give one decision.
#pragma once

#include <optional>

#include "policy/policy.h"

namespace trent::policy {

// Why a request is refused: AWS names the kind of policy in its AccessDeniedException.
enum class Denial {
  kNone,                  // allowed
  kNoResourceAllow,       // "... because no resource-based policy allows the <action> action"
  kResourceExplicitDeny,  // "... with an explicit deny in a resource-based policy"
  kNoIdentityAllow,       // "... because no identity-based policy allows the <action> action"
  kIdentityExplicitDeny,  // "... with an explicit deny in an identity-based policy"
};

struct DecisionInputs {
  // The key policy's verdict; nullopt for operations on no key (CreateKey, ListKeys, ...),
  // which only identity policies decide.
  std::optional<Verdict> key_policy;
  // The caller's identity policies' verdict; nullopt when the caller has none on record,
  // which trent takes as allowing everything.
  std::optional<Verdict> identity;
  bool grant_allows = false;      // a grant of the key gives the caller this operation
  bool caller_is_root = false;    // the caller is an account's root principal
  bool cross_account = false;     // the key belongs to another account than the caller's
};

// Explicit denies first (key policy, then identity policies), then allows: the key policy
// allowing the caller, or its account with the identity policies allowing too (the root of an
// account needs no identity policy), or a grant. A caller of another account needs both the
// key policy (or a grant) and its own identity policies.
Denial Decide(const DecisionInputs& in);

}  // namespace trent::policy
