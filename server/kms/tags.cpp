#include "server/kms/tags.h"

#include <algorithm>
#include <string_view>

namespace trent::kms {
namespace {

bool HasReservedPrefix(std::string_view key) {
  constexpr std::string_view kPrefix = "aws:";
  if (key.size() < kPrefix.size()) return false;
  for (size_t i = 0; i < kPrefix.size(); ++i) {
    char c = key[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kPrefix[i]) return false;
  }
  return true;
}

}  // namespace

Status CheckTags(const std::vector<Tag>& tags) {
  // Sorted rather than hashed: no crafted set of keys can make this slow.
  std::vector<std::string_view> keys;
  keys.reserve(tags.size());
  for (const Tag& tag : tags) keys.push_back(tag.key);
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
    return {ErrorCode::kTag, "Duplicate tag keys"};
  }
  if (tags.size() > kMaxTagsPerKey) return {ErrorCode::kTag, "Too many tags"};
  for (const Tag& tag : tags) {
    if (HasReservedPrefix(tag.key)) {
      return {ErrorCode::kTag, "Tags beginning with aws: are reserved"};
    }
  }
  return Status::Ok();
}

}  // namespace trent::kms
