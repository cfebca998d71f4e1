#include "server/model/codec.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

constexpr int64_t kDefaultWindowDays = 30;
constexpr int64_t kMinWindowDays = 7;
constexpr int64_t kMaxWindowDays = 30;
constexpr int64_t kMillisPerDay = 24LL * 60 * 60 * 1000;

}  // namespace

Result<Output> ScheduleKeyDeletion(const Call& call, const Input& in, Services& s) {
  int64_t days = GetInt(in, "PendingWindowInDays").value_or(kDefaultWindowDays);
  // The model allows 1..365; KMS itself allows 7..30.
  if (days < kMinWindowDays) {
    return model::ValidationFailure("'" + std::to_string(days) + "'", "pendingWindowInDays",
                                    "Member must have value greater than or equal to 7");
  }
  if (days > kMaxWindowDays) {
    return model::ValidationFailure("'" + std::to_string(days) + "'", "pendingWindowInDays",
                                    "Member must have value less than or equal to 30");
  }
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(Authorize(call, "kms:ScheduleKeyDeletion", *key));
  int64_t deletion_date = call.now_ms + days * kMillisPerDay;
  TRY(key, s.keys.Update(*key, [&](kms::Key& current) {
    return kms::ScheduleDeletion(current, deletion_date, static_cast<int32_t>(days));
  }));
  Output out;
  out["KeyId"] = key->arn;
  out["DeletionDate"] = ToEpochSeconds(deletion_date);
  out["KeyState"] = kms::KeyStateName(key->state);
  out["PendingWindowInDays"] = days;
  return out;
}

}  // namespace trent::ops
