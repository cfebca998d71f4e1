#include "server/ops/data_key.h"

namespace trent::ops {

Result<Output> GenerateDataKeyPairWithoutPlaintext(const Call& call, const Input& in,
                                                   Services& s) {
  SecretBytes private_key;
  return MakeDataKeyPair(call, in, s, kms::UsageOperation::kGenerateDataKeyPairWithoutPlaintext,
                         private_key);
}

}  // namespace trent::ops
