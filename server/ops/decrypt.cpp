#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> Decrypt(const Call& call, const Input& in, Services& s) {
  TRY_STATUS(RefuseRecipient(in));
  TRY(kms::LocatedCiphertext located, LocateCiphertext(call, in, "KeyId", s));
  const kms::Key& key = *located.key;
  TRY_STATUS(RequireEncryptDecrypt(key, "Decrypt"));
  TRY_STATUS(RequireSymmetricAlgorithm(key, in, "EncryptionAlgorithm"));
  TRY_STATUS(Authorize(call, "kms:Decrypt", key));
  TRY_STATUS(CheckDryRun(in));
  TRY(SecretBytes plaintext, s.crypto.Open(located, GetContext(in, "EncryptionContext")));
  s.usage.Record(key, kms::UsageOperation::kDecrypt, call.now_ms, call.request_id);
  Output out;
  out["KeyId"] = key.arn;
  PutBlob(out, "Plaintext", plaintext.view());
  out["EncryptionAlgorithm"] = kms::kSymmetricDefault;
  out["KeyMaterialId"] = located.version->key_material_id;
  return out;
}

}  // namespace trent::ops
