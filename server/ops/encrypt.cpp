#include "server/ops/encryption.h"

namespace trent::ops {

Result<Output> Encrypt(const Call& call, const Input& in, Services& s) {
  const CipherMembers members{"EncryptionAlgorithm", "EncryptionContext"};
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(RequireEncryptDecrypt(*key, "Encrypt"));
  TRY(Cipher cipher, ChooseCipher(*key, in, members));
  TRY_STATUS(CheckDryRun(in));
  TRY(std::string blob, Seal(*key, cipher, *GetString(in, "Plaintext"), in, members, s));
  s.usage.Record(*key, kms::UsageOperation::kEncrypt, call.now_ms, call.request_id);
  Output out;
  PutBlob(out, "CiphertextBlob", blob);
  out["KeyId"] = key->arn();
  out["EncryptionAlgorithm"] = cipher.algorithm;
  return out;
}

}  // namespace trent::ops
