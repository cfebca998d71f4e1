// What Sign and Verify share: the key, its algorithm row and the message, checked in AWS's
// order (usage, state, algorithm for the key spec, message type, digest length).
#pragma once

#include <string_view>

#include "server/kms/key_spec.h"
#include "server/ops/shared.h"

namespace trent::ops {

struct SigningRequest {
  kms::KeyPtr key;
  const kms::SigningAlgorithm* algorithm = nullptr;
  bool is_digest = false;
  std::string_view message;
};

// Resolves (and so authorizes) and checks a Sign or Verify request (`operation`), and honours
// DryRun.
Result<SigningRequest> ReadSigningRequest(const Call& call, const Input& in, Services& s,
                                          std::string_view operation);

}  // namespace trent::ops
