#include "server/ops/shared.h"

namespace trent::ops {
namespace {

constexpr PageLimits kKeyPages{.default_size = 100, .max_size = 1000};

}  // namespace

Result<Output> ListKeys(const Call& call, const Input& in, Services& s) {
  TRY(int64_t after, ParseMarker(GetString(in, "Marker")));  // the seq of the last key returned
  size_t limit = PageSize(in, kKeyPages);
  // One more than asked tells whether the list goes on.
  std::vector<kms::KeyPtr> keys = s.keys.List(call.account, call.region, after, limit + 1);
  bool truncated = keys.size() > limit;
  if (truncated) keys.resize(limit);
  boost::json::array entries;
  entries.reserve(keys.size());
  for (const auto& key : keys) {
    entries.push_back(boost::json::object{{"KeyId", key->id}, {"KeyArn", key->arn()}});
  }
  Output out;
  out["Keys"] = std::move(entries);
  out["Truncated"] = truncated;
  if (truncated) out["NextMarker"] = std::to_string(keys.back()->seq);
  return out;
}

}  // namespace trent::ops
