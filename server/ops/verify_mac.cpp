#include "server/kms/mac_ecdh.h"
#include "server/ops/mac_request.h"

namespace trent::ops {

Result<Output> VerifyMac(const Call& call, const Input& in, Services& s) {
  TRY(MacRequest request, ReadMacRequest(call, in, s, "VerifyMac"));
  // A MAC that does not match is KMSInvalidMacException: AWS never answers MacValid false.
  TRY_STATUS(kms::VerifyMac(s.keys, *request.key, *request.algorithm, *GetString(in, "Message"),
                            *GetString(in, "Mac")));
  s.usage.Record(*request.key, kms::UsageOperation::kVerifyMac, call.now_ms, call.request_id);
  Output out;
  out["KeyId"] = request.key->arn();
  out["MacValid"] = true;
  out["MacAlgorithm"] = request.algorithm->name;
  return out;
}

}  // namespace trent::ops
