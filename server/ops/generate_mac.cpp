#include "server/kms/mac_ecdh.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> GenerateMac(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireUsage(*key, kms::kGenerateVerifyMac, "GenerateMac"));
  const std::string_view name = *GetString(in, "MacAlgorithm");
  TRY_STATUS(RequireAlgorithm(*key, kms::MacAlgorithmsOf(kms::SpecOf(key->key_spec), key->key_usage),
                              name));
  TRY_STATUS(Authorize(call, "kms:GenerateMac", *key));
  TRY_STATUS(CheckDryRun(in));
  TRY(Bytes mac, kms::GenerateMac(s.keys, *key, *kms::FindMacAlgorithm(name),
                                  *GetString(in, "Message")));
  s.usage.Record(*key, kms::UsageOperation::kGenerateMac, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "Mac", AsStringView(mac));
  out["MacAlgorithm"] = name;
  out["KeyId"] = key->arn;
  return out;
}

}  // namespace trent::ops
