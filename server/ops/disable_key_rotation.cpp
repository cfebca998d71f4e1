#include "server/kms/rotation.h"
#include "server/ops/shared.h"

namespace trent::ops {

// On an AWS managed key, whose rotation is not configurable, the key policy denies it
// (AccessDeniedException: their key policy does not allow it).
Result<KeyChange> DisableKeyRotation(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(kms::RequireRotatable(*key));
  return KeyChange{key, kms::DisableRotation};
}

}  // namespace trent::ops
