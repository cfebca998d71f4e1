#include "common/clock.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

constexpr int64_t kDefaultWindowDays = 30;
constexpr int64_t kMinWindowDays = 7;
constexpr int64_t kMaxWindowDays = 30;

}  // namespace

Result<KeyChange> ScheduleKeyDeletion(const Call& call, const Input& in, Services& s) {
  int64_t days = GetInt(in, "PendingWindowInDays").value_or(kDefaultWindowDays);
  // The model allows 1..365 (the codec refuses the rest); KMS itself allows 7..30.
  if (days < kMinWindowDays || days > kMaxWindowDays) {
    return ValidationError("PendingWindowInDays must be between 7 and 30");
  }
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  int64_t deletion_date = call.now_ms + days * kMillisPerDay;
  return KeyChange{key,
                   [deletion_date, days](kms::Key& current) {
                     return kms::ScheduleDeletion(current, deletion_date,
                                                  static_cast<int32_t>(days));
                   },
                   [deletion_date, days](const kms::KeyPtr& changed) -> Result<Output> {
                     Output out;
                     out["KeyId"] = changed->arn();
                     out["DeletionDate"] = ToEpochSeconds(deletion_date);
                     out["KeyState"] = kms::KeyStateName(changed->state);
                     out["PendingWindowInDays"] = days;
                     return out;
                   }};
}

}  // namespace trent::ops
