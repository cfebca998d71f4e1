#include "common/clock.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

constexpr int64_t kDefaultWindowDays = 30;
constexpr int64_t kMinWindowDays = 7;
constexpr int64_t kMaxWindowDays = 30;

}  // namespace

Result<Output> ScheduleKeyDeletion(const Call& call, const Input& in, Services& s) {
  int64_t days = GetInt(in, "PendingWindowInDays").value_or(kDefaultWindowDays);
  // The model allows 1..365 (the codec refuses the rest); KMS itself allows 7..30.
  if (days < kMinWindowDays || days > kMaxWindowDays) {
    return ValidationError("PendingWindowInDays must be between 7 and 30");
  }
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  int64_t deletion_date = call.now_ms + days * kMillisPerDay;
  TRY(key, s.keys.Update(*key, [&](kms::Key& current) {
    return kms::ScheduleDeletion(current, deletion_date, static_cast<int32_t>(days));
  }));
  Output out;
  out["KeyId"] = key->arn();
  out["DeletionDate"] = ToEpochSeconds(deletion_date);
  out["KeyState"] = kms::KeyStateName(key->state);
  out["PendingWindowInDays"] = days;
  return out;
}

}  // namespace trent::ops
