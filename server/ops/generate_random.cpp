#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> GenerateRandom(const Call& call, const Input& in, Services& s) {
  TRY_STATUS(RefuseCustomKeyStore(in));
  TRY_STATUS(RefuseRecipient(in));
  auto size = GetInt(in, "NumberOfBytes");
  if (!size) return ValidationError("NumberOfBytes is required.");
  TRY(SecretBytes random, s.crypto.Random(static_cast<size_t>(*size)));
  Output out;
  PutBlob(out, "Plaintext", random.view());
  return out;
}

}  // namespace trent::ops
