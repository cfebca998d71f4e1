#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "server/kms/grants.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

// The KMS Developer Guide ("Using grant constraints"): "Each grant constraint value can include
// up to 8 encryption context pairs. The encryption context value in each grant constraint
// cannot exceed 384 characters." (read here as the characters of all its keys and values).
constexpr size_t kMaxConstraintPairs = 8;
constexpr size_t kMaxConstraintChars = 384;

// The grant the request asks for, checked against the key (trent's ValidationException texts
// where AWS's are not published).
Result<policy::Grant> ReadGrant(const Call& call, const Input& in, const kms::Key& key) {
  policy::Grant grant = RequestedGrant(in);
  grant.name = std::string(GetString(in, "Name").value_or(""));
  grant.grantee_principal = std::string(*GetString(in, "GranteePrincipal"));
  grant.retiring_principal = std::string(GetString(in, "RetiringPrincipal").value_or(""));
  grant.issuing_account = policy::AccountRootArn(call.account);
  if (grant.operations.empty()) return ValidationError("A grant must allow at least one operation.");
  // Recorded from AWS (a CreateGrant whose only operation was CreateGrant).
  if (std::all_of(grant.operations.begin(), grant.operations.end(),
                  [](const std::string& op) { return op == "CreateGrant"; })) {
    return ValidationError("Grants must not contain only the CreateGrant operation.");
  }
  for (const std::string& op : grant.operations) {
    if (!kms::KeySupportsGrantOperation(key, op)) {
      return ValidationError("Grant operation " + op + " is not supported for a key with key spec " +
                             key.key_spec + " and key usage " + key.key_usage + ".");
    }
  }
  if (!grant.context_equals && !grant.context_subset) return grant;
  // AWS's text, as the Terraform AWS provider quotes it (grant.go, grantConstraintsIsValid).
  if (grant.context_equals && grant.context_subset) {
    return ValidationError("More than one constraint supplied");
  }
  if (!kms::KeyTakesGrantConstraints(key)) {
    return ValidationError("Grant constraints are supported only for symmetric encryption KMS "
                           "keys; key spec " + key.key_spec + " does not take an encryption "
                           "context.");
  }
  const policy::ContextPairs& pairs =
      grant.context_equals ? *grant.context_equals : *grant.context_subset;
  size_t chars = 0;
  for (const auto& [k, v] : pairs) chars += k.size() + v.size();
  if (pairs.size() > kMaxConstraintPairs || chars > kMaxConstraintChars) {
    return ValidationError("A grant constraint can have at most " +
                           std::to_string(kMaxConstraintPairs) + " encryption context pairs of " +
                           std::to_string(kMaxConstraintChars) + " characters in all.");
  }
  return grant;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// Whether `existing` is the grant a retry of a CreateGrant for `wanted` would have made: the
// same name and properties (KMS Developer Guide, "Creating a grant": "a grant with the same
// properties as an existing grant, including the name").
bool SameGrant(const policy::Grant& existing, const policy::Grant& wanted) {
  return existing.name == wanted.name && existing.grantee_principal == wanted.grantee_principal &&
         existing.retiring_principal == wanted.retiring_principal &&
         existing.issuing_account == wanted.issuing_account &&
         Sorted(existing.operations) == Sorted(wanted.operations) &&
         existing.context_equals == wanted.context_equals &&
         existing.context_subset == wanted.context_subset;
}

// LimitExceededException at AWS's quota of grants per key. AWS's words are not published;
// these are trent's, in the form of its key quota message.
Status GrantQuotaExceeded(const kms::Key& key) {
  return {ErrorCode::kLimitExceeded, "Grant quota for key " + key.arn() + " is " +
                                         std::to_string(kms::kMaxGrantsPerKey) +
                                         " but the current usage is " +
                                         std::to_string(key.grants.size()) + "."};
}

}  // namespace

// KeyId: a key id or key ARN (not an alias), as AWS documents it. A disabled key answers
// DisabledException and a key pending deletion KMSInvalidStateException (KMS Developer Guide,
// "Key states"). With a Name, a retry with the same properties returns the existing grant's
// id with a new token; other properties make a new grant.
Result<KeyChange> CreateGrant(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY(policy::Grant wanted, ReadGrant(call, in, *key));
  TRY_STATUS(kms::RequireUsable(*key));
  TRY_STATUS(CheckDryRun(in));
  TRY(wanted.grant_id, kms::NewGrantId());
  wanted.created_at_ms = call.now_ms;
  auto grant = std::make_shared<const policy::Grant>(std::move(wanted));
  // The grant the edit stored, or the existing one a retry names.
  auto granted = std::make_shared<std::string>();
  auto edit = [grant, granted](kms::Key& k) -> Status {
    TRY_STATUS(kms::RequireUsable(k));
    if (!grant->name.empty()) {
      for (const kms::GrantPtr& existing : k.grants) {
        if (SameGrant(*existing, *grant)) {
          *granted = existing->grant_id;
          return Status::Ok();
        }
      }
    }
    if (k.key_manager == kms::kCustomerKeyManager && k.grants.size() >= kms::kMaxGrantsPerKey) {
      return GrantQuotaExceeded(k);
    }
    k.grants.push_back(grant);
    *granted = grant->grant_id;
    return Status::Ok();
  };
  auto answer = [granted](const kms::KeyPtr& changed) -> Result<Output> {
    TRY(std::string token, kms::NewGrantToken(changed->id, *granted));
    Output out;
    out["GrantToken"] = std::move(token);
    out["GrantId"] = *granted;
    return out;
  };
  return KeyChange{key, edit, answer};
}

}  // namespace trent::ops
