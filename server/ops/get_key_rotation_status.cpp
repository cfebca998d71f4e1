#include "server/kms/rotation.h"
#include "server/ops/shared.h"

namespace trent::ops {

// Answers in every key state; automatic rotation shows as off while the key is pending
// deletion (kms::AutomaticRotationShown).
Result<Output> GetKeyRotationStatus(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  Output out;
  out["KeyId"] = key->arn();
  const bool enabled = kms::AutomaticRotationShown(*key);
  out["KeyRotationEnabled"] = enabled;
  if (enabled) {
    out["RotationPeriodInDays"] = *key->rotation_period_days;
    out["NextRotationDate"] = ToEpochSeconds(*key->next_rotation_ms);
  }
  if (auto started = s.keys.OnDemandRotationStart(key->id)) {
    out["OnDemandRotationStartDate"] = ToEpochSeconds(*started);
  }
  return out;
}

}  // namespace trent::ops
