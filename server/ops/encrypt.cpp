#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> Encrypt(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireEncryptDecrypt(*key, "Encrypt"));
  TRY_STATUS(RequireSymmetricAlgorithm(*key, in, "EncryptionAlgorithm"));
  TRY_STATUS(Authorize(call, "kms:Encrypt", *key));
  TRY_STATUS(CheckDryRun(in));
  TRY(std::string blob, s.crypto.Encrypt(*key, *GetString(in, "Plaintext"),
                                         GetContext(in, "EncryptionContext")));
  s.usage.Record(*key, kms::UsageOperation::kEncrypt, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "CiphertextBlob", blob);
  out["KeyId"] = key->arn;
  out["EncryptionAlgorithm"] = kms::kSymmetricDefault;
  return out;
}

}  // namespace trent::ops
