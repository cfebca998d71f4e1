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

}  // namespace trent
