#include "server/kms/mac_ecdh.h"
#include "server/ops/mac_request.h"

namespace trent::ops {

Result<Output> GenerateMac(const Call& call, const Input& in, Services& s) {
  TRY(MacRequest request, ReadMacRequest(call, in, s, "GenerateMac"));
  TRY(Bytes mac, kms::GenerateMac(s.keys, *request.key, *request.algorithm,
                                  *GetString(in, "Message")));
  s.usage.Record(*request.key, kms::UsageOperation::kGenerateMac, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "Mac", AsStringView(mac));
  out["MacAlgorithm"] = request.algorithm->name;
  out["KeyId"] = request.key->arn();
  return out;
}

}  // namespace trent::ops
