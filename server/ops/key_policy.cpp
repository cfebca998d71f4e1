#include "server/ops/key_policy.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "policy/decision.h"
#include "server/kms/key_policy.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

// The condition values the lockout safety check knows of the later PutKeyPolicy request it
// imagines: who makes it. Every other key is absent (that request's parameters are unknown).
class CallerConditions final : public policy::ConditionValues {
 public:
  explicit CallerConditions(const Call& call) : call_(call) {}

  std::optional<std::vector<std::string>> Get(std::string_view key) const override {
    if (EqualsIgnoreCase(key, "aws:PrincipalArn")) return One(call_.principal_arn);
    if (EqualsIgnoreCase(key, "aws:PrincipalAccount") ||
        EqualsIgnoreCase(key, "kms:CallerAccount")) {
      return One(call_.account);
    }
    return std::nullopt;
  }

 private:
  static std::vector<std::string> One(std::string_view value) { return {std::string(value)}; }
  const Call& call_;
};

// What the caller's identity policies say of `request`: any explicit deny, else any allow;
// nullopt when the caller has none on record.
std::optional<policy::Verdict> IdentityVerdict(const Call& call, const policy::Request& request) {
  if (!call.identity_policies) return std::nullopt;
  policy::Verdict verdict = policy::Verdict::kNotApplicable;
  for (const policy::DocumentPtr& document : *call.identity_policies) {
    policy::Verdict v = policy::Evaluate(*document, request);
    if (v == policy::Verdict::kDeny) return v;
    if (v != policy::Verdict::kNotApplicable) verdict = policy::Verdict::kAllow;
  }
  return verdict;
}

// AWS's key policy lockout safety check: the caller, with its identity policies, may make a
// PutKeyPolicy request on the key once `document` is its key policy.
Status CheckLockoutSafety(const Call& call, const policy::Document& document,
                          std::string_view key_arn, std::string_view key_account) {
  static constexpr std::string_view kAction = "kms:PutKeyPolicy";
  CallerConditions conditions(call);
  const policy::Request request{kAction, call.principal_arn, call.account, key_arn, &conditions};
  policy::DecisionInputs in;
  in.key_policy = policy::Evaluate(document, request);
  in.identity = IdentityVerdict(call, request);
  in.caller_is_root = policy::IsAccountPrincipal(call.principal_arn);
  in.cross_account = key_account != call.account;
  if (policy::Decide(in) == policy::Denial::kNone) return Status::Ok();
  // AWS's text (MalformedPolicyDocumentException), as CloudFormation and Terraform show it.
  return {ErrorCode::kMalformedPolicyDocument,
          "The new key policy will not allow you to update the key policy in the future."};
}

}  // namespace

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
                                             std::string_view key_account) {
  TRY(policy::DocumentPtr document, kms::ParseKeyPolicy(*GetString(in, "Policy")));
  if (!GetBool(in, "BypassPolicyLockoutSafetyCheck")) {
    TRY_STATUS(CheckLockoutSafety(call, *document, key_arn, key_account));
  }
  return document;
}

}  // namespace trent::ops
