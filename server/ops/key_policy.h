// What the key policy operations share (GetKeyPolicy, PutKeyPolicy, and CreateKey's Policy):
// the policy name rule, and reading a new key policy with AWS's lockout safety check.
#pragma once

#include <string_view>

#include "common/status.h"
#include "policy/policy.h"
#include "server/ops/handlers.h"

namespace trent::ops {

// The request's PolicyName names the key's policy: "default", or absent (newer service models
// make it optional, defaulting to "default"). NotFoundException otherwise.
Status RequireDefaultPolicyName(const Input& in);

// The request's Policy member (present: PutKeyPolicy's model requires it, CreateKey asks only
// when it has one) as the key policy of the key `key_arn` in `key_account`: parsed
// (kms::ParseKeyPolicy: LimitExceededException, MalformedPolicyDocumentException) and, unless
// the request sets BypassPolicyLockoutSafetyCheck, checked to let the caller make a later
// PutKeyPolicy request on the key (MalformedPolicyDocumentException in AWS's words otherwise).
Result<policy::DocumentPtr> ReadNewKeyPolicy(const Call& call, const Input& in,
                                             std::string_view key_arn,
                                             std::string_view key_account, Services& s);

}  // namespace trent::ops
