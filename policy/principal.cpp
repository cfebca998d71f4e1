#include "policy/arn.h"
#include "policy/policy.h"

namespace trent::policy {
namespace {

constexpr std::string_view kRootSuffix = ":root";

}  // namespace

std::string AccountRootArn(std::string_view account) {
  std::string arn(kIamArnPrefix);
  arn += account;
  arn += kRootSuffix;
  return arn;
}

bool IsAccountPrincipal(std::string_view principal) {
  if (IsAccountId(principal)) return true;
  if (!principal.starts_with(kIamArnPrefix) || !principal.ends_with(kRootSuffix)) return false;
  principal.remove_prefix(kIamArnPrefix.size());
  principal.remove_suffix(kRootSuffix.size());
  return IsAccountId(principal);
}

}  // namespace trent::policy
