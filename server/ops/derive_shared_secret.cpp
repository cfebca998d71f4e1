#include "server/kms/mac_ecdh.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> DeriveSharedSecret(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireUsage(*key, kms::kKeyAgreement, "DeriveSharedSecret"));
  const std::string_view name = *GetString(in, "KeyAgreementAlgorithm");
  TRY_STATUS(RequireAlgorithm(
      *key, kms::KeyAgreementAlgorithmsOf(kms::SpecOf(key->key_spec), key->key_usage), name));
  TRY_STATUS(RefuseRecipient(in));
  TRY_STATUS(CheckDryRun(in));
  TRY(SecretBytes secret, kms::DeriveSharedSecret(s.keys, *key, *GetString(in, "PublicKey")));
  s.usage.Record(*key, kms::UsageOperation::kDeriveSharedSecret, call.now_ms, call.request_id);
  Output out;
  out["KeyId"] = key->arn();
  PutBlob(out, "SharedSecret", secret.view());
  out["KeyAgreementAlgorithm"] = name;
  out["KeyOrigin"] = key->origin;
  return out;
}

}  // namespace trent::ops
