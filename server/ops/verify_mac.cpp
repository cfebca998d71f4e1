#include "server/kms/mac_ecdh.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> VerifyMac(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireUsage(*key, kms::kGenerateVerifyMac, "VerifyMac"));
  const std::string_view name = *GetString(in, "MacAlgorithm");
  TRY_STATUS(RequireAlgorithm(*key, kms::MacAlgorithmsOf(kms::SpecOf(key->key_spec), key->key_usage),
                              name));
  TRY_STATUS(Authorize(call, "kms:VerifyMac", *key));
  TRY_STATUS(CheckDryRun(in));
  // A MAC that does not match is KMSInvalidMacException: AWS never answers MacValid false.
  TRY_STATUS(kms::VerifyMac(s.keys, *key, *kms::FindMacAlgorithm(name), *GetString(in, "Message"),
                            *GetString(in, "Mac")));
  s.usage.Record(*key, kms::UsageOperation::kVerifyMac, call.now_ms, call.request_id);
  Output out;
  out["KeyId"] = key->arn;
  out["MacValid"] = true;
  out["MacAlgorithm"] = name;
  return out;
}

}  // namespace trent::ops
