#include <algorithm>
#include <cctype>

#include "policy/policy.h"

namespace trent::policy {
namespace {

constexpr std::string_view kIamArnPrefix = "arn:aws:iam::";
constexpr std::string_view kRootSuffix = ":root";
constexpr size_t kAccountIdSize = 12;

bool IsAccountId(std::string_view s) {
  return s.size() == kAccountIdSize &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

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
