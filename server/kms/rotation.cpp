#include "server/kms/rotation.h"

#include <algorithm>
#include <string>

namespace trent::kms {
namespace {

// The key's state allows changing its rotation: AWS answers as for any key-management
// operation on a disabled key or one pending deletion.
Status RequireEnabled(const Key& key) { return RequireUsable(key); }

}  // namespace

Status RequireRotatable(const Key& key) {
  if (key.key_spec != kSymmetricDefault || key.origin != "AWS_KMS") {
    // AWS answers with no message (recorded for RotateKeyOnDemand on an RSA key).
    return UnsupportedError("");
  }
  return Status::Ok();
}

bool AutomaticRotationShown(const Key& key) {
  return key.rotation_period_days.has_value() && key.state != KeyState::kPendingDeletion;
}

int64_t OnDemandRotations(const Key& key) {
  return std::count_if(key.versions.begin(), key.versions.end(), [](const auto& v) {
    return v->rotation_type == RotationType::kOnDemand;
  });
}

bool RotationDue(const Key& key, int64_t now_ms) {
  return key.state == KeyState::kEnabled && key.next_rotation_ms &&
         *key.next_rotation_ms <= now_ms;
}

Status EnableRotation(Key& key, int32_t period_days, int64_t now_ms) {
  TRY_STATUS(RequireEnabled(key));
  const int64_t period_ms = period_days * kMillisPerDay;
  if (key.rotation_period_days && key.next_rotation_ms) {
    key.next_rotation_ms = *key.next_rotation_ms - *key.rotation_period_days * kMillisPerDay +
                           period_ms;
  } else {
    key.next_rotation_ms = now_ms + period_ms;
  }
  key.rotation_period_days = period_days;
  return Status::Ok();
}

Status DisableRotation(Key& key) {
  TRY_STATUS(RequireEnabled(key));
  key.rotation_period_days.reset();
  key.next_rotation_ms.reset();
  return Status::Ok();
}

Status RequireOnDemandRotationAllowed(const Key& key) {
  TRY_STATUS(RequireEnabled(key));
  if (OnDemandRotations(key) >= kMaxOnDemandRotations) {
    // AWS's text (recorded in 2025, when its limit was 10; its guide now says 25).
    return {ErrorCode::kLimitExceeded,
            "The on-demand rotations limit has been reached for the given keyId. No more "
            "on-demand rotations can be performed for this key: " +
                key.arn()};
  }
  return Status::Ok();
}

void AppendRotation(Key& key, std::shared_ptr<const KeyVersion> version) {
  if (version->rotation_type == RotationType::kAutomatic && key.rotation_period_days) {
    key.next_rotation_ms = version->created_at_ms + *key.rotation_period_days * kMillisPerDay;
  }
  key.versions.push_back(std::move(version));
}

}  // namespace trent::kms
