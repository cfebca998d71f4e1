#include "server/ops/shared.h"

namespace trent::ops {

// KmsRequestId is the request id of the operation (its x-amzn-RequestId). trent writes no
// CloudTrail log: CloudTrailEventId is that same request id, which identifies the operation's
// record in trent's own log.
Result<Output> GetKeyLastUsage(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  Output out;
  out["KeyId"] = key->id;
  if (std::optional<kms::Usage> usage = key->last_usage ? key->last_usage->Read() : std::nullopt) {
    out["KeyLastUsage"] = boost::json::object{
        {"Operation", kms::UsageOperationName(usage->operation)},
        {"Timestamp", ToEpochSeconds(usage->at_ms)},
        {"CloudTrailEventId", usage->request_id},
        {"KmsRequestId", usage->request_id},
    };
  } else {
    out["KeyLastUsage"] = boost::json::object{};  // "empty" until the key is used
  }
  out["TrackingStartDate"] = ToEpochSeconds(s.usage.TrackingStartFor(*key));
  out["KeyCreationDate"] = ToEpochSeconds(key->created_at_ms);
  return out;
}

}  // namespace trent::ops
