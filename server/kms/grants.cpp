#include "server/kms/grants.h"

#include <algorithm>
#include <vector>

#include "common/base64.h"
#include "common/bytes.h"
#include "common/random.h"
#include "server/kms/identifiers.h"
#include "server/kms/key_spec.h"

namespace trent::kms {
namespace {

constexpr char kTokenVersion = 1;
constexpr size_t kGrantIdSize = 64;  // hex
constexpr size_t kNonceSize = 16;
constexpr size_t kTokenSize = 1 + kKeyIdSize + kGrantIdSize + kNonceSize;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool IsKeyIdChar(char c) { return IsLowerHex(c) || c == '-'; }

struct UsageOperations {
  std::string_view usage;
  std::string_view operations[8];
};

// The grant operations of each key usage; GenerateDataKey* only from symmetric keys and
// GetPublicKey only from key pairs (see KeySupportsGrantOperation).
constexpr UsageOperations kUsageOperations[] = {
    {kEncryptDecrypt,
     {"Encrypt", "Decrypt", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKey",
      "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
      "GenerateDataKeyPairWithoutPlaintext"}},
    {kSignVerify, {"Sign", "Verify"}},
    {kGenerateVerifyMac, {"GenerateMac", "VerifyMac"}},
    {kKeyAgreement, {"DeriveSharedSecret"}},
};
constexpr std::string_view kEveryKeyOperations[] = {"CreateGrant", "RetireGrant", "DescribeKey"};

bool GeneratesDataKeys(std::string_view operation) {
  return operation.starts_with("GenerateDataKey");
}

}  // namespace

bool KeySupportsGrantOperation(const Key& key, std::string_view operation) {
  for (std::string_view op : kEveryKeyOperations) {
    if (op == operation) return true;
  }
  const KeySpecTraits& spec = SpecOf(key.key_spec);
  // Key pairs (RSA, ECC) have a public key; symmetric and HMAC keys do not.
  if (operation == "GetPublicKey") return !spec.symmetric() && key.key_usage != kGenerateVerifyMac;
  if (GeneratesDataKeys(operation) && !spec.symmetric()) return false;
  for (const UsageOperations& row : kUsageOperations) {
    if (row.usage != key.key_usage) continue;
    for (std::string_view op : row.operations) {
      if (!op.empty() && op == operation) return true;
    }
  }
  return false;
}

bool KeyTakesGrantConstraints(const Key& key) {
  return SpecOf(key.key_spec).symmetric() && key.key_usage == kEncryptDecrypt;
}

Status InvalidGrantToken() {
  return {ErrorCode::kInvalidGrantToken,
          "The request was rejected because the specified grant token is not valid."};
}

Result<std::string> NewGrantId() {
  uint8_t random[kGrantIdSize / 2];
  if (!FillRandom(random, sizeof random)) return InternalError("no randomness for a grant id");
  return HexEncode(random, sizeof random);
}

Result<std::string> NewGrantToken(std::string_view key_id, std::string_view grant_id) {
  if (key_id.size() != kKeyIdSize || grant_id.size() != kGrantIdSize) {
    return InternalError("a grant token for a malformed key or grant id");
  }
  std::string raw;
  raw.reserve(kTokenSize);
  raw.push_back(kTokenVersion);
  raw.append(key_id).append(grant_id);
  uint8_t nonce[kNonceSize];
  if (!FillRandom(nonce, sizeof nonce)) return InternalError("no randomness for a grant token");
  raw.append(reinterpret_cast<const char*>(nonce), sizeof nonce);
  std::string token;
  Base64EncodeAppend(raw, token);
  return token;
}

Result<GrantTokenRef> ParseGrantToken(std::string_view token) {
  if (token.size() != Base64EncodedSize(kTokenSize)) return InvalidGrantToken();
  std::vector<char> raw(token.begin(), token.end());
  auto decoded = Base64DecodeInPlace(raw);
  if (!decoded.ok() || *decoded != kTokenSize || raw[0] != kTokenVersion) {
    return InvalidGrantToken();
  }
  std::string_view bytes(raw.data(), kTokenSize);
  std::string_view key_id = bytes.substr(1, kKeyIdSize);
  std::string_view grant_id = bytes.substr(1 + kKeyIdSize, kGrantIdSize);
  if (!std::all_of(key_id.begin(), key_id.end(), IsKeyIdChar) ||
      !std::all_of(grant_id.begin(), grant_id.end(), IsLowerHex)) {
    return InvalidGrantToken();
  }
  return GrantTokenRef{std::string(key_id), std::string(grant_id)};
}

}  // namespace trent::kms
