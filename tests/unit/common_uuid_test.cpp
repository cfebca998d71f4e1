#include <catch.hpp>

#include "common/uuid.h"

TEST_CASE("uuid v4 text sets the version and variant bits") {
  uint8_t ones[16];
  for (auto& b : ones) b = 0xff;
  std::string text;
  trent::FormatUuidV4(ones, text);
  CHECK(text == "ffffffff-ffff-4fff-bfff-ffffffffffff");
  uint8_t zeros[16] = {};
  trent::FormatUuidV4(zeros, text);
  CHECK(text == "00000000-0000-4000-8000-000000000000");
}
