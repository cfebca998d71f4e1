#include "server/ops/shared.h"

#include <string>

#include "common/uuid.h"

namespace trent::ops {

// KmsRequestId is the request id of the operation (its x-amzn-RequestId), CloudTrailEventId the
// eventID of its event in trent's audit log (--audit-log), made from the request id.
Result<Output> GetKeyLastUsage(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  Output out;
  out["KeyId"] = key->id;
  if (std::optional<kms::Usage> usage = key->last_usage ? key->last_usage->Read() : std::nullopt) {
    std::string event_id;
    CloudTrailEventIdOf(usage->request_id, event_id);
    out["KeyLastUsage"] = boost::json::object{
        {"Operation", kms::UsageOperationName(usage->operation)},
        {"Timestamp", ToEpochSeconds(usage->at_ms)},
        {"CloudTrailEventId", event_id},
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
