#include "server/ops/data_key.h"

namespace trent::ops {

Result<Output> MakeDataKey(const Call& call, const Input& in, Services& s,
                           kms::UsageOperation operation, SecretBytes& plaintext) {
  const std::string_view name = kms::UsageOperationName(operation);
  TRY_STATUS(RefuseRecipient(in));
  auto key_spec = GetString(in, "KeySpec");
  auto number_of_bytes = GetInt(in, "NumberOfBytes");
  if (key_spec.has_value() == number_of_bytes.has_value()) {
    return ValidationError("Please specify either number of bytes or key spec.");
  }
  size_t size = number_of_bytes ? static_cast<size_t>(*number_of_bytes)
                                : (*key_spec == "AES_128" ? 16 : 32);
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireEncryptDecrypt(*key, name));
  TRY_STATUS(Authorize(call, "kms:" + std::string(name), *key));
  TRY_STATUS(CheckDryRun(in));
  TRY(plaintext, s.crypto.Random(size));
  TRY(std::string blob,
      s.crypto.Encrypt(*key, plaintext.view(), GetContext(in, "EncryptionContext")));
  s.usage.Record(*key, operation, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "CiphertextBlob", blob);
  out["KeyId"] = key->arn;
  out["KeyMaterialId"] = key->current_version().key_material_id;
  return out;
}

}  // namespace trent::ops
