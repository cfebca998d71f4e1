#include "server/kms/rotation.h"
#include "server/ops/shared.h"

namespace trent::ops {

// On an AWS managed key, whose rotation is not configurable, the key policy denies it
// (AccessDeniedException: their key policy does not allow it).
Result<Output> EnableKeyRotation(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(kms::RequireRotatable(*key));
  auto period = static_cast<int32_t>(
      GetInt(in, "RotationPeriodInDays").value_or(kms::kDefaultRotationPeriodDays));
  TRY_STATUS(s.keys.Update(*key, [&](kms::Key& current) {
    return kms::EnableRotation(current, period, call.now_ms);
  }).status());
  return Output{};
}

}  // namespace trent::ops
