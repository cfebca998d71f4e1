#include "common/uuid.h"

#include <cstring>
#include <random>

#include "common/bytes.h"

namespace trent {
namespace {

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void FormatUuidV4(const uint8_t random[16], std::string& out) {
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

void NewRequestId(std::string& out) {
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  const uint64_t words[2] = {rng(), rng()};
  uint8_t random[16];
  std::memcpy(random, words, sizeof random);
  FormatUuidV4(random, out);
}

void CloudTrailEventIdOf(std::string_view request_id, std::string& out) {
  // The digits of a UUID's text that are neither dashes, its version (14) nor its variant (19).
  auto random_digit = [](size_t i) {
    return i != 8 && i != 13 && i != 14 && i != 18 && i != 19 && i != 23;
  };
  out.assign(request_id);
  for (size_t i = 0; i < out.size(); ++i) {
    const int digit = HexDigitValue(out[i], HexCase::kLowerOnly);
    if (digit < 0 || !random_digit(i)) continue;
    out[i] = kHex[(digit + 1 + static_cast<int>(i % 15)) & 15];
  }
}

}  // namespace trent
