#include "server/ops/mac_request.h"

namespace trent::ops {

Result<MacRequest> ReadMacRequest(const Call& call, const Input& in, Services& s,
                                  std::string_view operation) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireUsage(*key, kms::kGenerateVerifyMac, operation));
  const std::string_view name = *GetString(in, "MacAlgorithm");
  TRY_STATUS(RequireAlgorithm(*key, kms::MacAlgorithmsOf(kms::SpecOf(key->key_spec), key->key_usage),
                              name));
  TRY_STATUS(CheckDryRun(in));
  return MacRequest{std::move(key), kms::FindMacAlgorithm(name)};
}

}  // namespace trent::ops
