#include "server/kms/alias.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> UpdateAlias(const Call& call, const Input& in, Services& s) {
  std::string_view name = *GetString(in, "AliasName");
  TRY_STATUS(kms::CheckAliasNameToUpdate(name));
  TRY_STATUS(AuthorizeAliasTarget(call, name, s));
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "TargetKeyId"), s));
  TRY_STATUS(s.keys.UpdateAlias(call.account, call.region, name, *key, call.now_ms));
  return Output{};
}

}  // namespace trent::ops
