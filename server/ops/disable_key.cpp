#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> DisableKey(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(Authorize(call, "kms:DisableKey", *key));
  TRY(kms::KeyState next, kms::NextStateOnDisable(*key));
  if (next != key->state) TRY_STATUS(s.keys.SetState(*key, next, {}, {}).status());
  return Output{};
}

}  // namespace trent::ops
