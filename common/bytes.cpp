#include "common/bytes.h"

#include <string.h>

namespace trent {

// glibc's explicit_bzero runs at memset speed (OPENSSL_cleanse is a byte loop) and, like it,
// is never optimised away.
void SecureWipe(void* p, size_t size) {
  if (size != 0) explicit_bzero(p, size);  // an empty buffer may have no address
}

std::string HexEncode(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 0xf];
  }
  return out;
}

int HexDigitValue(char c, HexCase accepted) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (accepted == HexCase::kAny && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HexDecodeInto(std::string_view hex, uint8_t* out, size_t size, HexCase accepted) {
  if (hex.size() != 2 * size) return false;
  for (size_t i = 0; i < size; ++i) {
    const int high = HexDigitValue(hex[2 * i], accepted);
    const int low = HexDigitValue(hex[2 * i + 1], accepted);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

}  // namespace trent
