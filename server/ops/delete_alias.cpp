#include "server/kms/alias.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<AliasChange> DeleteAlias(const Call& call, const Input& in, Services& s) {
  std::string_view name = *GetString(in, "AliasName");
  TRY_STATUS(kms::CheckAliasNameToDelete(name));
  TRY_STATUS(AuthorizeAliasTarget(call, name, s));
  return AliasChange{kms::KeyStore::AliasOp::kDelete, name, nullptr};
}

}  // namespace trent::ops
