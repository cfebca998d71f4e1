#include "server/kms/rotation.h"
#include "server/ops/shared.h"

namespace trent::ops {

// On an AWS managed key, whose rotation is not configurable, the key policy denies it
// (AccessDeniedException: their key policy does not allow it).
Result<KeyChange> EnableKeyRotation(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(kms::RequireRotatable(*key));
  auto period = static_cast<int32_t>(
      GetInt(in, "RotationPeriodInDays").value_or(kms::kDefaultRotationPeriodDays));
  return KeyChange{key, [period, now_ms = call.now_ms](kms::Key& current) {
                     return kms::EnableRotation(current, period, now_ms);
                   }};
}

}  // namespace trent::ops
