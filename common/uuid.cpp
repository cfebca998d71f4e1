#include "common/uuid.h"

namespace trent {

void FormatUuidV4(const uint8_t random[16], std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.resize(36);
  size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    uint8_t b = random[i];
    if (i == 6) b = (b & 0x0f) | 0x40;  // version 4
    if (i == 8) b = (b & 0x3f) | 0x80;  // RFC 4122 variant
    if (i == 4 || i == 6 || i == 8 || i == 10) out[pos++] = '-';
    out[pos++] = kHex[b >> 4];
    out[pos++] = kHex[b & 0xf];
  }
}

}  // namespace trent
