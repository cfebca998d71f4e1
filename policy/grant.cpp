#include "policy/grant.h"

#include <algorithm>
#include <cctype>

#include "policy/arn.h"
#include "policy/policy.h"
#include "policy/wildcard.h"

namespace trent::policy {
namespace {

// The operations whose requests carry an encryption context: the only ones a grant's
// constraints apply to (the service model's GrantConstraints: "Grant constraints are not
// applied to operations that do not support an encryption context").
constexpr std::string_view kContextOperations[] = {
    "Decrypt",         "Encrypt",          "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo"};

// "111122223333" from an IAM or STS ARN; empty when `arn` is neither.
std::string_view AccountOf(std::string_view arn) {
  for (std::string_view prefix : {kIamArnPrefix, kStsArnPrefix}) {
    if (arn.starts_with(prefix)) {
      std::string_view rest = arn.substr(prefix.size());
      return rest.substr(0, rest.find(':'));
    }
  }
  return {};
}

// The role an assumed-role session ARN ("arn:aws:sts::<acct>:assumed-role/<role>/<session>")
// belongs to, as its IAM ARN ("arn:aws:iam::<acct>:role/<role>"); empty for other ARNs.
std::string RoleOfSession(std::string_view arn) {
  std::string_view account, role;
  if (!arn.starts_with(kStsArnPrefix) || !SessionRole(arn, account, role)) return {};
  std::string iam(kIamArnPrefix);
  iam.append(account).append(":role/").append(role);
  return iam;
}

// Whether every pair of `wanted` is in `context`: keys compared without regard to case, values
// exactly (the service model's GrantConstraints: "in a grant constraint, the key in each
// key-value pair is not case sensitive, but the value is case sensitive").
template <typename Pairs>
bool ContainsAll(const ContextPairs& wanted, const Pairs& context) {
  for (const auto& want : wanted) {  // not a structured binding: clang 14 cannot capture one
    bool found = std::any_of(context.begin(), context.end(), [&](const auto& pair) {
      return EqualsIgnoreCase(pair.first, want.first) && pair.second == want.second;
    });
    if (!found) return false;
  }
  return true;
}

bool SamePairs(const ContextPairs& a, const ContextPairs& b) {
  return a.size() == b.size() && ContainsAll(a, b);
}

}  // namespace

bool GrantWithin(const Grant& child, const Grant& parent) {
  for (const std::string& operation : child.operations) {
    if (!GrantListsOperation(parent, operation)) return false;
  }
  if (child.context_equals) {
    // The child lets through one context at most: the parent must let it through.
    if (parent.context_equals && !SamePairs(*child.context_equals, *parent.context_equals)) {
      return false;
    }
    return !parent.context_subset || ContainsAll(*parent.context_subset, *child.context_equals);
  }
  // The child lets through every context that holds its subset (any context, without one).
  if (parent.context_equals) return false;
  if (!parent.context_subset) return true;
  return child.context_subset && ContainsAll(*parent.context_subset, *child.context_subset);
}

bool PrincipalMatches(std::string_view grant_principal, std::string_view principal_arn) {
  if (grant_principal == principal_arn) return true;
  if (IsAccountPrincipal(grant_principal)) {
    std::string_view account = AccountOf(principal_arn);
    return !account.empty() && (grant_principal == account ||
                                grant_principal == AccountRootArn(account));
  }
  std::string role = RoleOfSession(principal_arn);
  return !role.empty() && grant_principal == role;
}

bool GrantListsOperation(const Grant& grant, std::string_view operation) {
  return std::find(grant.operations.begin(), grant.operations.end(), operation) !=
         grant.operations.end();
}

bool OperationTakesContext(std::string_view operation) {
  return std::find(std::begin(kContextOperations), std::end(kContextOperations), operation) !=
         std::end(kContextOperations);
}

bool GrantAllows(const Grant& grant, std::string_view principal_arn, std::string_view operation,
                 RequestContextPairs context) {
  if (!PrincipalMatches(grant.grantee_principal, principal_arn)) return false;
  if (!GrantListsOperation(grant, operation)) return false;
  if (!OperationTakesContext(operation)) return true;
  if (grant.context_equals) {
    if (grant.context_equals->size() != context.size()) return false;
    if (!ContainsAll(*grant.context_equals, context)) return false;
  }
  if (grant.context_subset && !ContainsAll(*grant.context_subset, context)) return false;
  return true;
}

bool MayRetire(const Grant& grant, std::string_view principal_arn,
               std::string_view principal_account) {
  if (!grant.retiring_principal.empty() &&
      PrincipalMatches(grant.retiring_principal, principal_arn)) {
    return true;
  }
  if (GrantListsOperation(grant, "RetireGrant") &&
      PrincipalMatches(grant.grantee_principal, principal_arn)) {
    return true;
  }
  return grant.issuing_account == AccountRootArn(principal_account);
}

}  // namespace trent::policy
