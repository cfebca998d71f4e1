#include "server/kms/signing.h"
#include "server/ops/shared.h"
#include "server/ops/signing_request.h"

namespace trent::ops {

Result<Output> Sign(const Call& call, const Input& in, Services& s) {
  TRY(SigningRequest req, ReadSigningRequest(call, in, s, "Sign"));
  TRY(Bytes signature, kms::Sign(s.keys, *req.key, *req.algorithm, req.is_digest, req.message));
  s.usage.Record(*req.key, kms::UsageOperation::kSign, call.now_ms, call.request_id);
  Output out;
  out["KeyId"] = req.key->arn();
  PutBlob(out, "Signature",
          std::string_view(reinterpret_cast<const char*>(signature.data()), signature.size()));
  out["SigningAlgorithm"] = req.algorithm->name;
  return out;
}

}  // namespace trent::ops
