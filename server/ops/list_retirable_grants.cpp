#include <vector>

#include "server/ops/grant_list.h"
#include "server/ops/shared.h"

namespace trent::ops {

// Every grant in the request's region whose retiring principal is the one asked for, on keys of
// any account (the service model: "This can include grants on KMS keys owned by other Amazon
// Web Services accounts"), in key id order and then creation order. No key is authorized: AWS
// authorizes this operation by the caller's identity policies alone.
Result<Output> ListRetirableGrants(const Call& call, const Input& in, Services& s) {
  std::string_view retiring = *GetString(in, "RetiringPrincipal");
  std::vector<kms::KeyPtr> keys = s.keys.KeysWithGrants(call.region);
  std::vector<GrantOfKey> grants;
  for (const kms::KeyPtr& key : keys) {
    for (const kms::GrantPtr& grant : key->grants) {
      if (grant->retiring_principal == retiring) grants.emplace_back(key.get(), grant.get());
    }
  }
  return GrantPage(in, grants);
}

}  // namespace trent::ops
