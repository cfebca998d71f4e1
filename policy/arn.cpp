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

}  // namespace trent::policy
