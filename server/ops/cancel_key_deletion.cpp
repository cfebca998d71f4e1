#include "server/ops/shared.h"

namespace trent::ops {

Result<KeyChange> CancelKeyDeletion(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  return KeyChange{key, kms::CancelDeletion, [](const kms::KeyPtr& changed) -> Result<Output> {
                     Output out;
                     out["KeyId"] = changed->arn();
                     return out;
                   }};
}

}  // namespace trent::ops
