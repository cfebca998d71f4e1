#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> CancelKeyDeletion(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(Authorize(call, "kms:CancelKeyDeletion", *key));
  TRY(kms::KeyState next, kms::NextStateOnCancelDeletion(*key));
  TRY(key, s.keys.SetState(*key, next, std::nullopt, std::nullopt));
  Output out;
  out["KeyId"] = key->arn;
  return out;
}

}  // namespace trent::ops
