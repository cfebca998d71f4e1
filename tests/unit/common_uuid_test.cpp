#include <catch.hpp>

#include "common/uuid.h"

TEST_CASE("a request's CloudTrail event id: a uuid v4 of its own, the same each time") {
  std::string event;
  trent::CloudTrailEventIdOf("00000000-0000-4000-8000-000000000000", event);
  CHECK(event == "12345678-abcd-4123-8678-abcdef123456");
  std::string again;
  trent::CloudTrailEventIdOf("00000000-0000-4000-8000-000000000000", again);
  CHECK(again == event);
  // Every random digit moves; version and variant stay; distinct ids stay distinct.
  std::string request, other;
  for (int i = 0; i < 1000; ++i) {
    trent::NewRequestId(request);
    trent::CloudTrailEventIdOf(request, event);
    REQUIRE(event.size() == 36);
    CHECK(event[14] == '4');
    CHECK(event[19] == request[19]);
    for (size_t p : {8, 13, 18, 23}) CHECK(event[p] == '-');
    for (size_t p = 0; p < 36; ++p) {
      if (p != 8 && p != 13 && p != 14 && p != 18 && p != 19 && p != 23) {
        CHECK(event[p] != request[p]);
      }
    }
    other = request;
    other[35] = other[35] == '0' ? '1' : '0';
    std::string other_event;
    trent::CloudTrailEventIdOf(other, other_event);
    CHECK(other_event != event);
  }
}

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
