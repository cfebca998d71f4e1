// The ciphertext blob trent returns, self-describing so Decrypt needs no KeyId:
//   format (1) | key-version id (16) | IV (12) | AES-256-GCM ciphertext | tag (16)
// The GCM additional data is the 29 header bytes followed by the canonical encryption context,
// so a change to any byte, to the context or to the key fails authentication.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hsm/hsm.h"
#include "server/kms/key.h"

namespace trent::kms {

constexpr uint8_t kCiphertextFormat = 1;
constexpr size_t kHeaderSize = 1 + KeyVersion::kIdSize + hsm::kGcmIvSize;

// Key/value pairs as given by the caller (views into the request).
using EncryptionContext = std::vector<std::pair<std::string_view, std::string_view>>;

// Pairs sorted by key; each key and value as a 4-byte big-endian length and its bytes.
// Appended to `out`; the order the caller gave does not matter.
void AppendCanonicalContext(EncryptionContext context, std::string& out);

// The header of a new blob.
std::string MakeHeader(std::string_view version_id, const uint8_t iv[hsm::kGcmIvSize]);

struct ParsedCiphertext {
  std::string_view header;            // the kHeaderSize bytes, part of the AAD
  std::string_view version_id;
  const uint8_t* iv = nullptr;
  std::string_view sealed;            // ciphertext || tag
};

// nullopt when the blob is too short or of an unknown format.
std::optional<ParsedCiphertext> ParseCiphertext(std::string_view blob);

}  // namespace trent::kms
