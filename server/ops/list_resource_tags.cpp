#include <algorithm>

#include "server/kms/tags.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> ListResourceTags(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  // The marker is how many tags earlier pages returned, in the order the key keeps them.
  TRY(int64_t first, ParseMarker(GetString(in, "Marker")));
  const std::vector<kms::Tag>& tags = key->tags;
  if (static_cast<uint64_t>(first) > tags.size()) {
    return Status(ErrorCode::kInvalidMarker,
                  "Could not parse marker " + std::string(*GetString(in, "Marker")));
  }
  // AWS documents 1..50 (default 50) where the model allows up to 1000: a larger Limit gets
  // at most 50, which the contract allows ("it might return fewer").
  const size_t limit = std::min<size_t>(
      static_cast<size_t>(GetInt(in, "Limit").value_or(kms::kMaxTagsPerKey)), kms::kMaxTagsPerKey);
  const size_t end = std::min(tags.size(), static_cast<size_t>(first) + limit);
  boost::json::array entries;
  entries.reserve(end - static_cast<size_t>(first));
  for (size_t i = static_cast<size_t>(first); i < end; ++i) {
    entries.push_back(boost::json::object{{"TagKey", tags[i].key}, {"TagValue", tags[i].value}});
  }
  Output out;
  out["Tags"] = std::move(entries);
  out["Truncated"] = end < tags.size();
  if (end < tags.size()) out["NextMarker"] = std::to_string(end);
  return out;
}

}  // namespace trent::ops
