#include "server/kms/signing.h"
#include "server/ops/shared.h"
#include "server/ops/signing_request.h"

namespace trent::ops {

Result<Output> Verify(const Call& call, const Input& in, Services& s) {
  TRY(SigningRequest req, ReadSigningRequest(call, in, s, "Verify"));
  TRY(bool valid, kms::Verify(s.keys, *req.key, *req.algorithm, req.is_digest, req.message,
                              *GetString(in, "Signature")));
  // AWS never answers SignatureValid false: an invalid signature is this error (and, like
  // every failed request, not a use of the key).
  if (!valid) return kms::InvalidSignature();
  s.usage.Record(*req.key, kms::UsageOperation::kVerify, call.now_ms, call.request_id);
  Output out;
  out["KeyId"] = req.key->arn();
  out["SignatureValid"] = true;
  out["SigningAlgorithm"] = req.algorithm->name;
  return out;
}

}  // namespace trent::ops
