#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> ReEncrypt(const Call& call, const Input& in, Services& s) {
  TRY(kms::LocatedCiphertext source, LocateCiphertext(call, in, "SourceKeyId", s));
  TRY_STATUS(RequireEncryptDecrypt(*source.key, "ReEncrypt"));
  TRY_STATUS(RequireSymmetricAlgorithm(*source.key, in, "SourceEncryptionAlgorithm"));
  TRY(kms::KeyPtr destination, ResolveKey(call, *GetString(in, "DestinationKeyId"), s));
  TRY_STATUS(RequireEncryptDecrypt(*destination, "ReEncrypt"));
  TRY_STATUS(RequireSymmetricAlgorithm(*destination, in, "DestinationEncryptionAlgorithm"));
  TRY_STATUS(Authorize(call, "kms:ReEncryptFrom", *source.key));
  TRY_STATUS(Authorize(call, "kms:ReEncryptTo", *destination));
  TRY_STATUS(CheckDryRun(in));

  // The plaintext exists only inside this call, in a buffer wiped on return.
  TRY(SecretBytes plaintext, s.crypto.Open(source, GetContext(in, "SourceEncryptionContext")));
  TRY(std::string reencrypted, s.crypto.Encrypt(*destination, plaintext.view(),
                                                GetContext(in, "DestinationEncryptionContext")));
  // AWS records ReEncrypt on both keys (GetKeyLastUsage's documentation).
  s.usage.Record(*source.key, kms::UsageOperation::kReEncrypt, call.now_ms, call.request_id);
  s.usage.Record(*destination, kms::UsageOperation::kReEncrypt, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "CiphertextBlob", reencrypted);
  out["SourceKeyId"] = source.key->arn;
  out["KeyId"] = destination->arn;
  out["SourceEncryptionAlgorithm"] = kms::kSymmetricDefault;
  out["DestinationEncryptionAlgorithm"] = kms::kSymmetricDefault;
  out["SourceKeyMaterialId"] = source.version->key_material_id;
  out["DestinationKeyMaterialId"] = destination->current_version().key_material_id;
  return out;
}

}  // namespace trent::ops
