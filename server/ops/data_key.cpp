#include "server/ops/data_key.h"

#include "server/kms/data_key_pair.h"

namespace trent::ops {

Status RequireSymmetricWrappingKey(const kms::Key& key) {
  if (kms::SpecOf(key.key_spec).symmetric()) return Status::Ok();
  return {ErrorCode::kInvalidKeyUsage, "You cannot generate a data key with an asymmetric CMK"};
}

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
  TRY_STATUS(RequireSymmetricWrappingKey(*key));
  TRY_STATUS(CheckDryRun(in));
  TRY(plaintext, s.crypto.Random(size));
  TRY(std::string blob,
      s.crypto.Encrypt(*key, plaintext.view(), GetContext(in, "EncryptionContext")));
  s.usage.Record(*key, operation, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "CiphertextBlob", blob);
  out["KeyId"] = key->arn();
  out["KeyMaterialId"] = key->current_version().key_material_id.Hex();
  return out;
}

Result<Output> MakeDataKeyPair(const Call& call, const Input& in, Services& s,
                               kms::UsageOperation operation, SecretBytes& private_key) {
  const std::string_view name = kms::UsageOperationName(operation);
  TRY_STATUS(RefuseRecipient(in));
  auto pair_spec_name = GetString(in, "KeyPairSpec");
  if (!pair_spec_name) return MissingMember("keyPairSpec");
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireEncryptDecrypt(*key, name));
  TRY_STATUS(RequireSymmetricWrappingKey(*key));
  const kms::DataKeyPairSpec* pair_spec = kms::FindDataKeyPairSpec(*pair_spec_name);
  if (!pair_spec) {
    return UnsupportedError("trent does not generate " + std::string(*pair_spec_name) +
                            " data key pairs.");
  }
  if (!pair_spec->unsupported.empty()) return UnsupportedError(std::string(pair_spec->unsupported));
  TRY_STATUS(CheckDryRun(in));
  TRY(kms::DataKeyPair pair, kms::GenerateDataKeyPair(*pair_spec));
  TRY(std::string blob, s.crypto.Encrypt(*key, pair.private_key.view(),
                                         GetContext(in, "EncryptionContext")));
  private_key = std::move(pair.private_key);
  s.usage.Record(*key, operation, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "PrivateKeyCiphertextBlob", blob);
  PutBlob(out, "PublicKey", AsStringView(pair.public_key));
  out["KeyId"] = key->arn();
  out["KeyPairSpec"] = pair_spec->name;
  out["KeyMaterialId"] = key->current_version().key_material_id.Hex();
  return out;
}

}  // namespace trent::ops
