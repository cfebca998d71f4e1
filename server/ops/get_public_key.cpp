#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> GetPublicKey(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  // The key's state first (DisabledException, KMSInvalidStateException), then its kind. AWS's
  // key state table (developer guide, "Key states of AWS KMS keys") marks GetPublicKey as
  // failing on Disabled and PendingDeletion keys.
  TRY_STATUS(kms::RequireUsable(*key));
  // Symmetric and HMAC keys have no public key: AWS answers without a message.
  if (key->current_version().public_key.empty()) return UnsupportedError("");
  const kms::KeySpecTraits& spec = kms::SpecOf(key->key_spec);
  const Bytes& public_key = key->current_version().public_key;
  Output out;
  out["KeyId"] = key->arn();
  PutBlob(out, "PublicKey",
          std::string_view(reinterpret_cast<const char*>(public_key.data()), public_key.size()));
  PutKeySpec(out, *key);
  out["KeyUsage"] = key->key_usage;
  PutAlgorithms(out, "EncryptionAlgorithms", kms::EncryptionAlgorithmsOf(spec, key->key_usage));
  PutAlgorithms(out, "SigningAlgorithms", kms::SigningAlgorithmsOf(spec, key->key_usage));
  PutAlgorithms(out, "KeyAgreementAlgorithms",
                kms::KeyAgreementAlgorithmsOf(spec, key->key_usage));
  return out;
}

}  // namespace trent::ops
