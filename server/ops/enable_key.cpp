#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> EnableKey(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(Authorize(call, "kms:EnableKey", *key));
  TRY(kms::KeyState next, kms::NextStateOnEnable(*key));
  if (next != key->state) TRY_STATUS(s.keys.SetState(*key, next, {}, {}).status());
  return Output{};
}

}  // namespace trent::ops
