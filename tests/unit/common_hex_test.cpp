#include <catch.hpp>

#include <array>
#include <string>

#include "common/bytes.h"

using trent::HexCase;

TEST_CASE("hex decoding gives back every byte HexEncode wrote") {
  std::array<uint8_t, 256> all;
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i);
  const std::string hex = trent::HexEncode(all.data(), all.size());
  std::array<uint8_t, 256> back{};
  REQUIRE(trent::HexDecodeInto(hex, back.data(), back.size(), HexCase::kLowerOnly));
  CHECK(back == all);
}

TEST_CASE("hex decoding takes uppercase digits only when asked to") {
  uint8_t out[2] = {};
  CHECK_FALSE(trent::HexDecodeInto("ABcd", out, 2, HexCase::kLowerOnly));
  REQUIRE(trent::HexDecodeInto("ABcd", out, 2, HexCase::kAny));
  CHECK(out[0] == 0xab);
  CHECK(out[1] == 0xcd);
  CHECK(trent::HexDigitValue('F', HexCase::kAny) == 15);
  CHECK(trent::HexDigitValue('F', HexCase::kLowerOnly) == -1);
}

TEST_CASE("hex decoding refuses another length or a character that is not a digit") {
  uint8_t out[2] = {};
  CHECK_FALSE(trent::HexDecodeInto("abc", out, 2, HexCase::kAny));
  CHECK_FALSE(trent::HexDecodeInto("abcdef", out, 2, HexCase::kAny));
  CHECK_FALSE(trent::HexDecodeInto("", out, 2, HexCase::kAny));
  for (const char* bad : {"0g00", "00 0", "0x00", "-100", "00\xff" "0"}) {
    INFO(bad);
    CHECK_FALSE(trent::HexDecodeInto(bad, out, 2, HexCase::kAny));
  }
  CHECK(trent::HexDecodeInto("", out, 0, HexCase::kAny));
  for (char c : std::string("/:@`G[gz")) CHECK(trent::HexDigitValue(c, HexCase::kAny) == -1);
}
