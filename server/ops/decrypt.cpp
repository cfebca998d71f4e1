#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> Decrypt(const Call& call, const Input& in, Services& s) {
  if (in.contains("Recipient")) {
    return UnsupportedError("Recipient (Nitro Enclaves attestation) is not supported by trent.");
  }
  TRY(kms::LocatedCiphertext located, LocateCiphertext(call, in, "KeyId", s));
  const kms::Key& key = *located.key;
  TRY_STATUS(RequireEncryptDecrypt(key));
  TRY_STATUS(RequireSymmetricAlgorithm(key, in, "EncryptionAlgorithm"));
  TRY_STATUS(Authorize(call, "kms:Decrypt", key));
  TRY_STATUS(CheckDryRun(in));
  TRY(SecretBytes plaintext, s.crypto.Open(located, GetContext(in, "EncryptionContext")));
  Output out;
  out["KeyId"] = key.arn;
  PutBlob(out, "Plaintext", plaintext.view());
  out["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT";
  out["KeyMaterialId"] = located.version->key_material_id;
  return out;
}

}  // namespace trent::ops
