#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> CancelKeyDeletion(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY(key, s.keys.Update(*key, kms::CancelDeletion));
  Output out;
  out["KeyId"] = key->arn();
  return out;
}

}  // namespace trent::ops
