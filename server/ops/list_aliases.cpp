#include <algorithm>
#include <string>
#include <vector>

#include "server/kms/aws_managed_keys.h"
#include "server/kms/identifiers.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

// AWS's default page size, and its largest: the model allows Limit up to 1000 (a type shared
// with other operations), AWS documents 1..100 for ListAliases and "might return fewer": a
// larger Limit gets 100.
constexpr PageLimits kAliasPages{.default_size = 50, .max_size = 100};

// One entry of the list: an alias, or a predefined AWS alias that has no key yet.
struct ListedAlias {
  std::string_view name;
  kms::AliasPtr alias;  // nullptr: predefined, without a key
};

boost::json::object AliasListEntry(const Call& call, const ListedAlias& entry) {
  boost::json::object out;
  out["AliasName"] = entry.name;
  if (!entry.alias) {
    out["AliasArn"] = kms::AliasArn(call.region, call.account, entry.name);
    return out;
  }
  out["AliasArn"] = entry.alias->arn;
  out["TargetKeyId"] = entry.alias->target_key_id;
  out["CreationDate"] = ToEpochSeconds(entry.alias->created_at_ms);
  out["LastUpdatedDate"] = ToEpochSeconds(entry.alias->updated_at_ms);
  return out;
}

}  // namespace

// In name order; the marker is the name of the last alias returned. Without a KeyId, the list
// includes the predefined AWS aliases that have no key yet (without TargetKeyId), as AWS's does.
Result<Output> ListAliases(const Call& call, const Input& in, Services& s) {
  size_t limit = PageSize(in, kAliasPages);
  std::string_view after = GetString(in, "Marker").value_or("");
  std::vector<kms::AliasPtr> aliases;
  std::vector<ListedAlias> entries;
  if (auto key_ref = GetString(in, "KeyId")) {
    TRY(kms::KeyPtr key, FindKeyIdOnlyUnauthorized(call, *key_ref, s));
    for (kms::AliasPtr& alias : s.keys.AliasesOf(key->id)) {
      if (alias->name > after) aliases.push_back(std::move(alias));
    }
  } else {
    // One more than asked tells whether the list goes on.
    aliases = s.keys.ListAliases(call.account, call.region, after, limit + 1);
    for (const kms::AwsManagedAlias& predefined : kms::PredefinedAwsAliases()) {
      if (predefined.alias_name > after &&
          !s.keys.FindAlias(call.account, call.region, predefined.alias_name)) {
        entries.push_back({predefined.alias_name, nullptr});
      }
    }
  }
  for (const kms::AliasPtr& alias : aliases) entries.push_back({alias->name, alias});
  std::sort(entries.begin(), entries.end(),
            [](const ListedAlias& a, const ListedAlias& b) { return a.name < b.name; });
  bool truncated = entries.size() > limit;
  if (truncated) entries.resize(limit);
  boost::json::array list;
  list.reserve(entries.size());
  for (const ListedAlias& entry : entries) list.push_back(AliasListEntry(call, entry));
  Output out;
  out["Aliases"] = std::move(list);
  out["Truncated"] = truncated;
  if (truncated) out["NextMarker"] = entries.back().name;
  return out;
}

}  // namespace trent::ops
