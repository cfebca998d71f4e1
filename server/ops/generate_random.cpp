#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> GenerateRandom(const Call& call, const Input& in, Services& s) {
  if (auto store = GetString(in, "CustomKeyStoreId")) {
    return Status(ErrorCode::kCustomKeyStoreNotFound,
                  "Custom key store " + std::string(*store) + " does not exist.");
  }
  if (in.contains("Recipient")) {
    return UnsupportedError("Recipient (Nitro Enclaves attestation) is not supported by trent.");
  }
  auto size = GetInt(in, "NumberOfBytes");
  if (!size) return ValidationError("NumberOfBytes is required.");
  TRY(SecretBytes random, s.crypto.Random(static_cast<size_t>(*size)));
  Output out;
  PutBlob(out, "Plaintext", random.view());
  return out;
}

}  // namespace trent::ops
