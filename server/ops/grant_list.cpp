#include "server/ops/grant_list.h"

#include <algorithm>

#include "server/ops/shared.h"

namespace trent::ops {
namespace {

constexpr PageLimits kGrantPages{.default_size = 50, .max_size = 100};
constexpr size_t kGrantIdSize = 64;

boost::json::object ContextObject(const policy::ContextPairs& pairs) {
  boost::json::object out;
  for (const auto& [key, value] : pairs) out[key] = value;
  return out;
}

// A GrantListEntry. KeyId is the key's ARN and Name is "" for a grant without one, as AWS's
// ListGrants examples show them (KMS Developer Guide, "Viewing grants").
boost::json::object Entry(const kms::Key& key, const policy::Grant& grant) {
  boost::json::object out;
  out["KeyId"] = key.arn();
  out["GrantId"] = grant.grant_id;
  out["Name"] = grant.name;
  out["CreationDate"] = ToEpochSeconds(grant.created_at_ms);
  out["GranteePrincipal"] = grant.grantee_principal;
  if (!grant.retiring_principal.empty()) out["RetiringPrincipal"] = grant.retiring_principal;
  out["IssuingAccount"] = grant.issuing_account;
  boost::json::array operations;
  for (const std::string& op : grant.operations) operations.emplace_back(op);
  out["Operations"] = std::move(operations);
  if (grant.context_equals || grant.context_subset) {
    boost::json::object constraints;
    if (grant.context_equals) {
      constraints[policy::kGrantConstraintEquals] = ContextObject(*grant.context_equals);
    }
    if (grant.context_subset) {
      constraints[policy::kGrantConstraintSubset] = ContextObject(*grant.context_subset);
    }
    out["Constraints"] = std::move(constraints);
  }
  return out;
}

}  // namespace

Result<Output> GrantPage(const Input& in, std::span<const GrantOfKey> grants) {
  auto marker = GetString(in, "Marker");
  TRY(int64_t first, ParseMarker(marker));
  if (static_cast<uint64_t>(first) > grants.size()) {
    return Status(ErrorCode::kInvalidMarker, "Could not parse marker " + std::string(*marker));
  }
  const size_t limit = PageSize(in, kGrantPages);
  const size_t end = std::min(grants.size(), static_cast<size_t>(first) + limit);
  boost::json::array entries;
  entries.reserve(end - static_cast<size_t>(first));
  for (size_t i = static_cast<size_t>(first); i < end; ++i) {
    entries.push_back(Entry(*grants[i].first, *grants[i].second));
  }
  Output out;
  out["Grants"] = std::move(entries);
  out["Truncated"] = end < grants.size();
  if (end < grants.size()) out["NextMarker"] = std::to_string(end);
  return out;
}

Status CheckGrantId(std::string_view grant_id) {
  bool hex = grant_id.size() == kGrantIdSize &&
             std::all_of(grant_id.begin(), grant_id.end(),
                         [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
  if (hex) return Status::Ok();
  return {ErrorCode::kInvalidGrantId,
          "The request was rejected because the specified GrantId is not valid."};
}

Status GrantNotFound(const kms::Key& key, std::string_view grant_id) {
  return NotFoundError("Grant " + std::string(grant_id) + " does not exist on key " + key.arn() +
                       ".");
}

Status EraseGrant(kms::Key& key, std::string_view grant_id) {
  auto it = std::find_if(key.grants.begin(), key.grants.end(),
                         [&](const kms::GrantPtr& g) { return g->grant_id == grant_id; });
  if (it == key.grants.end()) return GrantNotFound(key, grant_id);
  key.grants.erase(it);
  return Status::Ok();
}

}  // namespace trent::ops
