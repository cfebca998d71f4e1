#include "common/base64.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace trent {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kDecode = MakeDecodeTable();

// The reasons are the ones AWS gives (Java's Base64 decoder), typo included.
Status Invalid(std::string reason) { return Status(ErrorCode::kSerialization, std::move(reason)); }

}  // namespace

void Base64EncodeAppend(std::string_view data, std::string& out) {
  const size_t start = out.size();
  out.resize(start + Base64EncodedSize(data.size()));
  Base64EncodeTo(data, out.data() + start);
}

void Base64EncodeTo(std::string_view data, char* o) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t n = data.size();
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = kAlphabet[(v >> 6) & 63];
    *o++ = kAlphabet[v & 63];
  }
  if (i < n) {
    uint32_t v = p[i] << 16;
    if (i + 1 < n) v |= p[i + 1] << 8;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 63];
    *o++ = (i + 1 < n) ? kAlphabet[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
}

Status Base64Check(std::string_view text) {
  const size_t n = text.size();
  if (n % 4 != 0) {
    return Invalid("Base64 encoded length is expected a multiple of 4 bytes but found: " +
                   std::to_string(n));
  }
  const char* p = text.data();
  const size_t pad = n == 0 ? 0 : (p[n - 1] == '=') + (p[n - 2] == '=');
  for (size_t i = 0; i < n - pad; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (kDecode[c] < 0) {
      const size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;  // the whole character
      return Invalid("Invalid Base64 character: '" + std::string(p + i, std::min(len, n - i)) + "'");
    }
  }
  // The bits after the last byte must be zero ("QQ==" is 'A', "QR==" is not valid).
  const int8_t last = pad ? kDecode[static_cast<unsigned char>(p[n - pad - 1])] : 0;
  if ((pad == 1 && (last & 0x3)) || (pad == 2 && (last & 0xF))) {
    return Invalid("Invalid last non-pad Base64 character dectected");  // sic
  }
  return Status::Ok();
}

Result<size_t> Base64DecodeInPlace(std::span<char> text) {
  if (Status valid = Base64Check({text.data(), text.size()}); !valid.ok()) return valid;
  const size_t n = text.size();
  char* p = text.data();
  const size_t pad = n == 0 ? 0 : (p[n - 1] == '=') + (p[n - 2] == '=');
  size_t out = 0;
  for (size_t i = 0; i < n; i += 4) {
    uint32_t quad = 0;
    for (size_t j = 0; j < 4; ++j) {
      const int8_t d = kDecode[static_cast<unsigned char>(p[i + j])];
      quad = (quad << 6) | static_cast<uint32_t>(d < 0 ? 0 : d);  // '=' counts as zero bits
    }
    p[out++] = static_cast<char>(quad >> 16);
    p[out++] = static_cast<char>(quad >> 8);
    p[out++] = static_cast<char>(quad);
  }
  return out - pad;
}

}  // namespace trent
