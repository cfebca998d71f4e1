#include "server/ops/data_key.h"

namespace trent::ops {

Result<Output> GenerateDataKeyWithoutPlaintext(const Call& call, const Input& in, Services& s) {
  SecretBytes plaintext;
  return MakeDataKey(call, in, s, kms::UsageOperation::kGenerateDataKeyWithoutPlaintext, plaintext);
}

}  // namespace trent::ops
