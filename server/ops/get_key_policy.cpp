#include "server/kms/key_policy.h"
#include "server/ops/key_policy.h"
#include "server/ops/shared.h"

namespace trent::ops {

// Any key state: AWS's key state table allows GetKeyPolicy in all of them.
Result<Output> GetKeyPolicy(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireDefaultPolicyName(in));
  Output out;
  out["Policy"] = key->policy->text;
  // Newer service models (botocore 1.43, @aws-sdk/client-kms 3.9xx) have PolicyName in the
  // answer; AWS's example response shows it.
  out["PolicyName"] = kms::kDefaultPolicyName;
  return out;
}

}  // namespace trent::ops
