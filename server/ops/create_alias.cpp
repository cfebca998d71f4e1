#include "server/kms/alias.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> CreateAlias(const Call& call, const Input& in, Services& s) {
  std::string_view name = *GetString(in, "AliasName");
  TRY_STATUS(kms::CheckNewAliasName(name));
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "TargetKeyId"), s));
  TRY_STATUS(s.keys.CreateAlias(call.account, call.region, name, *key, call.now_ms));
  return Output{};
}

}  // namespace trent::ops
