#include "server/ops/grant_list.h"
#include "server/ops/shared.h"

namespace trent::ops {

// Any key state (KMS Developer Guide, "Key states"); authorized by the key's policies, not by
// the grant.
Result<KeyChange> RevokeGrant(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  std::string_view grant_id = *GetString(in, "GrantId");
  TRY_STATUS(CheckGrantId(grant_id));
  if (!key->FindGrant(grant_id)) return GrantNotFound(*key, grant_id);
  TRY_STATUS(CheckDryRun(in));
  return KeyChange{key, [grant_id](kms::Key& k) { return EraseGrant(k, grant_id); }};
}

}  // namespace trent::ops
