#include "server/kms/alias.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<AliasChange> CreateAlias(const Call& call, const Input& in, Services& s) {
  std::string_view name = *GetString(in, "AliasName");
  TRY_STATUS(kms::CheckNewAliasName(name));
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "TargetKeyId"), s));
  return AliasChange{kms::KeyStore::AliasOp::kCreate, name, std::move(key)};
}

}  // namespace trent::ops
