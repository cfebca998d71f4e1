#include "policy/decision.h"

namespace trent::policy {

Denial Decide(const DecisionInputs& in) {
  if (in.key_policy == Verdict::kDeny) return Denial::kResourceExplicitDeny;
  if (in.identity == Verdict::kDeny) return Denial::kIdentityExplicitDeny;
  // No identity policies on record allow everything; the root of an account is not subject to
  // identity policies.
  const bool identity_allows =
      in.caller_is_root || !in.identity.has_value() || in.identity == Verdict::kAllow ||
      in.identity == Verdict::kAllowAccount;
  if (!in.key_policy.has_value()) {
    return identity_allows ? Denial::kNone : Denial::kNoIdentityAllow;
  }
  if (in.grant_allows) return Denial::kNone;
  switch (*in.key_policy) {
    case Verdict::kAllow:
      if (!in.cross_account || identity_allows) return Denial::kNone;
      return Denial::kNoIdentityAllow;
    case Verdict::kAllowAccount:
      return identity_allows ? Denial::kNone : Denial::kNoIdentityAllow;
    default:
      return Denial::kNoResourceAllow;
  }
}

}  // namespace trent::policy
