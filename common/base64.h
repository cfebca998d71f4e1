// Standard base64 (RFC 4648, with padding), as AWS JSON carries blobs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trent {

std::string Base64Encode(std::string_view data);
// Appends the encoding to `out` (avoids a copy on the response path).
void Base64EncodeAppend(std::string_view data, std::string& out);
// Strict decode: padding required, no whitespace. nullopt when not valid base64.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace trent
