#include "policy/arn.h"

#include <algorithm>

namespace trent::policy {

bool IsAccountId(std::string_view s) {
  constexpr size_t kAccountIdSize = 12;
  return s.size() == kAccountIdSize &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool SplitArn(std::string_view arn, ArnParts& out) {
  for (size_t i = 0; i < kArnResource; ++i) {
    const size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return false;
    out[i] = arn.substr(0, colon);
    arn.remove_prefix(colon + 1);
  }
  out[kArnResource] = arn;
  return true;
}

bool SessionRole(std::string_view arn, std::string_view& account, std::string_view& role) {
  constexpr std::string_view kSts = ":sts::";
  constexpr std::string_view kAssumedRole = ":assumed-role/";
  const size_t sts = arn.find(kSts);
  if (!arn.starts_with("arn:") || sts == std::string_view::npos) return false;
  const size_t account_at = sts + kSts.size();
  const size_t type = arn.find(':', account_at);
  if (type == std::string_view::npos || arn.substr(type, kAssumedRole.size()) != kAssumedRole) {
    return false;
  }
  const size_t name = type + kAssumedRole.size();
  const size_t session = arn.find('/', name);
  if (session == std::string_view::npos || session == name) return false;
  account = arn.substr(account_at, type - account_at);
  role = arn.substr(name, session - name);
  return true;
}

}  // namespace trent::policy
