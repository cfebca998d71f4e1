#include "server/kms/key_policy.h"
#include "server/ops/shared.h"

namespace trent::ops {

// Any key state, as AWS's key state table allows. A key has one policy, "default": the first
// page holds it whatever the Limit (1..1000, checked by the model), so no answer is truncated
// and trent never gives a NextMarker; a Marker is thus never one of trent's
// (InvalidMarkerException, as ParseMarker words it).
Result<Output> ListKeyPolicies(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  if (auto marker = GetString(in, "Marker")) {
    return Status(ErrorCode::kInvalidMarker, "Could not parse marker " + std::string(*marker));
  }
  Output out;
  out["PolicyNames"] = boost::json::array{boost::json::string_view(kms::kDefaultPolicyName)};
  out["Truncated"] = false;
  return out;
}

}  // namespace trent::ops
