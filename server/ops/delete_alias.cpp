#include "server/kms/alias.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> DeleteAlias(const Call& call, const Input& in, Services& s) {
  std::string_view name = *GetString(in, "AliasName");
  TRY_STATUS(kms::CheckAliasNameToDelete(name));
  TRY_STATUS(AuthorizeAliasTarget(call, name, s));
  TRY_STATUS(s.keys.DeleteAlias(call.account, call.region, name));
  return Output{};
}

}  // namespace trent::ops
