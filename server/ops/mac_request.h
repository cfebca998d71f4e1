// What GenerateMac and VerifyMac share: the key and its MAC algorithm row, checked in AWS's
// order (usage, state, algorithm for the key spec), authorized, DryRun honoured.
#pragma once

#include <string_view>

#include "server/kms/key_spec.h"
#include "server/ops/shared.h"

namespace trent::ops {

struct MacRequest {
  kms::KeyPtr key;
  const kms::MacAlgorithm* algorithm = nullptr;
};

// `operation` names the request in errors ("GenerateMac"); the key is authorized as resolved.
Result<MacRequest> ReadMacRequest(const Call& call, const Input& in, Services& s,
                                  std::string_view operation);

}  // namespace trent::ops
