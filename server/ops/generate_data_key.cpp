#include "server/ops/data_key.h"

namespace trent::ops {

Result<Output> GenerateDataKey(const Call& call, const Input& in, Services& s) {
  SecretBytes plaintext;
  TRY(Output out, MakeDataKey(call, in, s, kms::UsageOperation::kGenerateDataKey, plaintext));
  PutBlob(out, "Plaintext", plaintext.view());
  return out;
}

}  // namespace trent::ops
