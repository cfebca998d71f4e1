#include "server/ops/encryption.h"

namespace trent::ops {

Result<Output> Decrypt(const Call& call, const Input& in, Services& s) {
  const SourceMembers members{"KeyId", {"EncryptionAlgorithm", "EncryptionContext"}, "Decrypt",
                               "kms:Decrypt"};
  TRY_STATUS(RefuseRecipient(in));
  TRY(Source source, LocateSource(call, in, members, s));
  const kms::Key& key = *source.key;
  TRY_STATUS(CheckDryRun(in));
  TRY(SecretBytes plaintext, OpenSource(source, in, members, s));
  s.usage.Record(key, kms::UsageOperation::kDecrypt, call.now_ms, call.request_id);
  Output out;
  out["KeyId"] = key.arn();
  PutBlob(out, "Plaintext", plaintext.view());
  out["EncryptionAlgorithm"] = source.cipher.algorithm;
  // Symmetric keys only: an RSA key has one material, and AWS names none for it.
  if (source.version) out["KeyMaterialId"] = source.version->key_material_id.Hex();
  return out;
}

}  // namespace trent::ops
