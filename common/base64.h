// Standard base64 (RFC 4648, with padding), as AWS JSON carries blobs.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace trent {

constexpr size_t Base64EncodedSize(size_t n) { return (n + 2) / 3 * 4; }
// Writes the Base64EncodedSize(data.size()) characters of the encoding of `data` at `out`.
void Base64EncodeTo(std::string_view data, char* out);
// Appends the encoding of `data` to `out`.
void Base64EncodeAppend(std::string_view data, std::string& out);

// OK when `text` is strict base64 (padding required, no whitespace, zero bits after the last
// byte); otherwise the error (kSerialization) gives AWS's reason, e.g.
// "Invalid Base64 character: '!'".
Status Base64Check(std::string_view text);

// Strict decoding (as Base64Check) in place:
// the decoded bytes overwrite the start of `text` (decoding never overtakes the reading), and
// their number is returned. When `text` is not valid base64 it is left as it was, and the
// error is Base64Check's.
Result<size_t> Base64DecodeInPlace(std::span<char> text);

}  // namespace trent
