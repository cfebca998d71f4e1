#include "server/ops/data_key.h"

namespace trent::ops {

Result<Output> GenerateDataKeyPair(const Call& call, const Input& in, Services& s) {
  SecretBytes private_key;
  TRY(Output out,
      MakeDataKeyPair(call, in, s, kms::UsageOperation::kGenerateDataKeyPair, private_key));
  PutBlob(out, "PrivateKeyPlaintext", private_key.view());
  return out;
}

}  // namespace trent::ops
