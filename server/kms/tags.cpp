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

Status TooManyTags() { return {ErrorCode::kTag, "Too many tags"}; }

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
  if (tags.size() > kMaxTagsPerKey) return TooManyTags();
  for (const Tag& tag : tags) {
    if (HasReservedPrefix(tag.key)) {
      return {ErrorCode::kTag, "Tags beginning with aws: are reserved"};
    }
  }
  return Status::Ok();
}

Status AddTags(std::vector<Tag>& tags, const std::vector<Tag>& added) {
  std::vector<Tag> next = tags;
  for (const Tag& tag : added) {
    auto same = std::find_if(next.begin(), next.end(), [&](const Tag& t) { return t.key == tag.key; });
    if (same != next.end()) {
      same->value = tag.value;
      continue;
    }
    // Stops at once: each search stays within kMaxTagsPerKey tags, whatever the request holds.
    if (next.size() == kMaxTagsPerKey) return TooManyTags();
    next.push_back(tag);
  }
  tags = std::move(next);
  return Status::Ok();
}

void RemoveTags(std::vector<Tag>& tags, const std::vector<std::string>& keys) {
  std::erase_if(tags, [&](const Tag& t) {
    return std::find(keys.begin(), keys.end(), t.key) != keys.end();
  });
}

}  // namespace trent::kms
