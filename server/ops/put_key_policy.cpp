#include "server/ops/key_policy.h"
#include "server/ops/shared.h"

namespace trent::ops {

// Any key state: AWS's key state table allows PutKeyPolicy in all of them, PendingDeletion
// included. An AWS managed key's policy cannot be changed: its key policy does not allow kms:PutKeyPolicy (AccessDenied).
Result<KeyChange> PutKeyPolicy(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireDefaultPolicyName(in));
  TRY(policy::DocumentPtr document, ReadNewKeyPolicy(call, in, key->arn(), key->account, s));
  kms::KeyPolicyPtr policy =
      kms::MakeKeyPolicy(std::string(*GetString(in, "Policy")), std::move(document));
  return KeyChange{key, [policy = std::move(policy)](kms::Key& k) {
                     k.policy = policy;
                     return Status::Ok();
                   }};
}

}  // namespace trent::ops
