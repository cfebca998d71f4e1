#include "server/ops/key_policy.h"

#include "server/kms/key_policy.h"
#include "server/ops/authorize.h"
#include "server/ops/shared.h"

namespace trent::ops {

Status RequireDefaultPolicyName(const Input& in) {
  auto name = GetString(in, "PolicyName");
  if (!name || *name == kms::kDefaultPolicyName) return Status::Ok();
  // AWS documents "default" as the only valid name but not its answer to another; moto and
  // LocalStack answer GetKeyPolicy this way, and NotFoundException is among the errors the
  // model lists for GetKeyPolicy and PutKeyPolicy.
  return NotFoundError("No such policy exists");
}

Result<policy::DocumentPtr> ReadNewKeyPolicy(const Call& call, const Input& in,
                                             std::string_view key_arn,
                                             std::string_view key_account, Services& s) {
  TRY(policy::DocumentPtr document, kms::ParseKeyPolicy(*GetString(in, "Policy")));
  if (!GetBool(in, "BypassPolicyLockoutSafetyCheck")) {
    if (!AllowsLaterPutKeyPolicy(call, *document, key_arn, key_account, s)) {
      // AWS's text (MalformedPolicyDocumentException), as CloudFormation and Terraform show it.
      return Status(ErrorCode::kMalformedPolicyDocument,
                    "The new key policy will not allow you to update the key policy in the "
                    "future.");
    }
  }
  return document;
}

}  // namespace trent::ops
