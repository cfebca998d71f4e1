#include "server/kms/ciphertext.h"

#include <algorithm>

namespace trent::kms {
namespace {

void AppendLengthPrefixed(std::string_view s, std::string& out) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(s);
}

}  // namespace

void AppendCanonicalContext(EncryptionContext context, std::string& out) {
  std::sort(context.begin(), context.end());
  for (const auto& [key, value] : context) {
    AppendLengthPrefixed(key, out);
    AppendLengthPrefixed(value, out);
  }
}

std::string MakeHeader(std::string_view version_id, const uint8_t iv[hsm::kGcmIvSize]) {
  std::string header;
  header.reserve(kHeaderSize);
  header.push_back(static_cast<char>(kCiphertextFormat));
  header.append(version_id);
  header.append(reinterpret_cast<const char*>(iv), hsm::kGcmIvSize);
  return header;
}

std::optional<ParsedCiphertext> ParseCiphertext(std::string_view blob) {
  // At least one byte of ciphertext: KMS never encrypts an empty plaintext.
  if (blob.size() < kHeaderSize + 1 + hsm::kGcmTagSize) return std::nullopt;
  if (static_cast<uint8_t>(blob[0]) != kCiphertextFormat) return std::nullopt;
  ParsedCiphertext parsed;
  parsed.header = blob.substr(0, kHeaderSize);
  parsed.version_id = blob.substr(1, KeyVersion::kIdSize);
  parsed.iv = reinterpret_cast<const uint8_t*>(blob.data() + 1 + KeyVersion::kIdSize);
  parsed.sealed = blob.substr(kHeaderSize);
  return parsed;
}

}  // namespace trent::kms
