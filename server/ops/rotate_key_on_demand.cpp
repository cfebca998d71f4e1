#include "server/kms/rotation.h"
#include "server/ops/shared.h"

namespace trent::ops {

// The rotation is complete, and durable, when the answer comes: generating the material is
// one quick HSM call, and so the next Encrypt uses the new material and ListKeyRotations shows
// it, which AWS (eventually consistent) lets happen as soon as it likes. While it runs,
// GetKeyRotationStatus shows OnDemandRotationStartDate and another RotateKeyOnDemand of the key
// gets ConflictException.
Result<Output> RotateKeyOnDemand(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  // The key's state first: AWS answers DisabledException for a disabled RSA key (recorded).
  TRY_STATUS(kms::RequireOnDemandRotationAllowed(*key));
  TRY_STATUS(kms::RequireRotatable(*key));
  TRY(key, s.keys.RotateOnDemand(*key, call.now_ms));
  Output out;
  out["KeyId"] = key->arn();
  return out;
}

}  // namespace trent::ops
