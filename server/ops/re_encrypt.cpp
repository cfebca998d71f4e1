#include "server/ops/encryption.h"

namespace trent::ops {

Result<Output> ReEncrypt(const Call& call, const Input& in, Services& s) {
  const SourceMembers from{"SourceKeyId",
                           {"SourceEncryptionAlgorithm", "SourceEncryptionContext"},
                           "ReEncrypt", "kms:ReEncryptFrom"};
  const CipherMembers to{"DestinationEncryptionAlgorithm", "DestinationEncryptionContext"};
  TRY(Source source, LocateSource(call, in, from, s));
  TRY(kms::KeyPtr destination, ResolveKey(call, *GetString(in, "DestinationKeyId"), s, "kms:ReEncryptTo"));
  TRY_STATUS(RequireEncryptDecrypt(*destination, "ReEncrypt"));
  TRY(Cipher cipher, ChooseCipher(*destination, in, to));
  TRY_STATUS(CheckDryRun(in));

  // The plaintext exists only inside this call, in a buffer wiped on return.
  TRY(SecretBytes plaintext, OpenSource(source, in, from, s));
  TRY(std::string reencrypted, Seal(*destination, cipher, plaintext.view(), in, to, s));
  // AWS records ReEncrypt on both keys (GetKeyLastUsage's documentation).
  s.usage.Record(*source.key, kms::UsageOperation::kReEncrypt, call.now_ms, call.request_id);
  s.usage.Record(*destination, kms::UsageOperation::kReEncrypt, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "CiphertextBlob", reencrypted);
  out["SourceKeyId"] = source.key->arn();
  out["KeyId"] = destination->arn();
  out["SourceEncryptionAlgorithm"] = source.cipher.algorithm;
  out["DestinationEncryptionAlgorithm"] = cipher.algorithm;
  // Only for symmetric keys, as AWS gives them.
  if (source.version) out["SourceKeyMaterialId"] = source.version->key_material_id.Hex();
  if (!cipher.rsa) {
    out["DestinationKeyMaterialId"] = destination->current_version().key_material_id.Hex();
  }
  return out;
}

}  // namespace trent::ops
