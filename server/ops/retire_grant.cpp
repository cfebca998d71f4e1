#include <string>

#include "server/kms/grants.h"
#include "server/kms/identifiers.h"
#include "server/ops/grant_list.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

// The key a grant token names: of any account (RetireGrant works across accounts), in the
// request's region.
Result<kms::KeyPtr> KeyOfToken(const Call& call, const kms::GrantTokenRef& ref, Services& s) {
  kms::KeyPtr key = s.keys.Find(ref.key_id);
  if (!key || key->region != call.region) {
    return kms::KeyDoesNotExist(kms::KeyArn(call.region, call.account, ref.key_id));
  }
  return key;
}

// AccessDeniedException in AWS's form for a caller the grant does not let retire it.
Status MayNotRetire(const Call& call, const kms::Key& key) {
  return {ErrorCode::kAccessDenied, "User: " + std::string(call.principal_arn) +
                                        " is not authorized to perform: kms:RetireGrant on "
                                        "resource: " + key.arn()};
}

}  // namespace

// The grant is named by GrantToken, or by KeyId (key id or key ARN) and GrantId. Who may
// retire it is the grant's own rule (policy::MayRetire), after the caller's identity policies
// (the dispatcher: Resource::kNone); any key state.
Result<KeyChange> RetireGrant(const Call& call, const Input& in, Services& s) {
  kms::KeyPtr key;
  std::string grant_id;
  if (auto token = GetString(in, "GrantToken")) {
    TRY(kms::GrantTokenRef ref, kms::ParseGrantToken(*token));
    TRY(key, KeyOfToken(call, ref, s));
    grant_id = std::move(ref.grant_id);
  } else {
    auto key_ref = GetString(in, "KeyId");
    auto id = GetString(in, "GrantId");
    // AWS's words for a request naming no grant are not published; these are trent's.
    if (!key_ref || !id) {
      return ValidationError("RetireGrant needs a GrantToken, or both a KeyId and a GrantId.");
    }
    TRY_STATUS(CheckGrantId(*id));
    // The grant, not the key policy, decides (the dispatcher asked the identity policies).
    TRY(key, FindKeyIdOnlyUnauthorized(call, *key_ref, s));
    grant_id = std::string(*id);
  }
  const policy::Grant* grant = key->FindGrant(grant_id);
  if (!grant) return GrantNotFound(*key, grant_id);
  if (!policy::MayRetire(*grant, call.principal_arn, call.account)) {
    return MayNotRetire(call, *key);
  }
  TRY_STATUS(CheckDryRun(in));
  return KeyChange{key, [grant_id = std::move(grant_id)](kms::Key& k) {
                     return EraseGrant(k, grant_id);
                   }};
}

}  // namespace trent::ops
