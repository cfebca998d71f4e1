// trent's admin API over HTTP: POST /_trent/v1/<Method> on the KMS port, outside the KMS
// protocol, JSON in and out. Its first methods move the test clock (trentd --test-clock); the
// admin API of proto/ keeps their names.
#pragma once

#include <functional>
#include <string_view>

#include "common/clock.h"
#include "server/ops/api.h"

namespace trent::ops {

// The path prefix of every admin method.
constexpr std::string_view kAdminPathPrefix = "/_trent/";

class Admin {
 public:
  // `clock`: the test clock, or nullptr when trentd runs on the system clock; then every admin
  // path answers 404. `clock_moved` runs after each move of the clock and returns once the
  // background work due by the new time (rotations, deletions) is done.
  Admin(TestClock* clock, std::function<void()> clock_moved)
      : clock_(clock), clock_moved_(std::move(clock_moved)) {}

  // Answers one request to `path` (which starts with kAdminPathPrefix).
  ApiResponse Dispatch(std::string_view path, std::string_view body) const;

 private:
  ApiResponse AdvanceClock(std::string_view body) const;
  ApiResponse GetClock() const;

  TestClock* clock_;
  std::function<void()> clock_moved_;
};

}  // namespace trent::ops
