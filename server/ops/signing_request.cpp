#include "server/ops/signing_request.h"

#include <string>

#include "server/kms/signing.h"

namespace trent::ops {

Result<SigningRequest> ReadSigningRequest(const Call& call, const Input& in, Services& s,
                                          std::string_view operation) {
  SigningRequest req;
  TRY(req.key, ResolveKey(call, *GetString(in, "KeyId"), s));
  const kms::Key& key = *req.key;
  TRY_STATUS(RequireUsage(key, kms::kSignVerify, operation));
  std::string_view name = *GetString(in, "SigningAlgorithm");
  const kms::KeySpecTraits& spec = kms::SpecOf(key.key_spec);
  TRY_STATUS(RequireAlgorithm(key, kms::SigningAlgorithmsOf(spec, key.key_usage), name));
  req.algorithm = kms::FindSigningAlgorithm(name);
  // Every algorithm of a key trent made has a row; a spec without one is never created.
  if (!req.algorithm) return UnsupportedError("trent cannot sign with " + std::string(name) + ".");
  std::string_view message_type = GetString(in, "MessageType").value_or(kms::kRawMessage);
  req.message = *GetString(in, "Message");
  TRY_STATUS(kms::CheckMessage(*req.algorithm, message_type, req.message));
  req.is_digest = message_type == kms::kDigestMessage;
  TRY_STATUS(CheckDryRun(in));
  return req;
}

}  // namespace trent::ops
