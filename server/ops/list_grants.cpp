#include <vector>

#include "server/ops/grant_list.h"
#include "server/ops/shared.h"

namespace trent::ops {

// The key's grants in creation order, in any key state; GrantId and GranteePrincipal filter
// them (exact matches).
Result<Output> ListGrants(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  auto grant_id = GetString(in, "GrantId");
  if (grant_id) TRY_STATUS(CheckGrantId(*grant_id));
  auto grantee = GetString(in, "GranteePrincipal");
  std::vector<GrantOfKey> grants;
  for (const kms::GrantPtr& grant : key->grants) {
    if (grant_id && grant->grant_id != *grant_id) continue;
    if (grantee && grant->grantee_principal != *grantee) continue;
    grants.emplace_back(key.get(), grant.get());
  }
  return GrantPage(in, grants);
}

}  // namespace trent::ops
