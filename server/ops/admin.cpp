#include "server/ops/admin.h"

#include <boost/json.hpp>

#include "server/model/codec.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

namespace json = boost::json;

constexpr int kNotFound = 404;
// The furthest one AdvanceClock moves: 100 years, far beyond any KMS date (the longest, a
// rotation period, is 2560 days).
constexpr int64_t kMaxAdvanceSeconds = 100LL * 366 * 24 * 60 * 60;

ApiResponse Error(const Status& status) {
  return {HttpStatusOf(status.code()), model::EncodeError(status)};
}

ApiResponse NotFound(std::string message) {
  return {kNotFound, model::EncodeError({ErrorCode::kNotFound, std::move(message)})};
}

}  // namespace

ApiResponse Admin::Dispatch(std::string_view path, std::string_view body) const {
  if (!clock_) {
    return NotFound("The admin API is off: trentd serves it only with --test-clock.");
  }
  if (path == "/_trent/v1/AdvanceClock") return AdvanceClock(body);
  if (path == "/_trent/v1/GetClock") return GetClock();
  return NotFound("No admin method at " + std::string(path) + ".");
}

ApiResponse Admin::AdvanceClock(std::string_view body) const {
  boost::system::error_code ec;
  json::value request = json::parse(body, ec);
  if (ec || !request.is_object()) {
    return Error({ErrorCode::kSerialization, "The body must be a JSON object."});
  }
  const json::value* seconds = request.as_object().if_contains("Seconds");
  if (!seconds || !seconds->is_int64() || seconds->as_int64() < 0 ||
      seconds->as_int64() > kMaxAdvanceSeconds) {
    return Error(ValidationError("Seconds must be a whole number from 0 to " +
                                 std::to_string(kMaxAdvanceSeconds) + "."));
  }
  clock_->Advance(seconds->as_int64() * 1000);
  clock_moved_();
  return GetClock();
}

ApiResponse Admin::GetClock() const {
  json::object out;
  out["Now"] = ToEpochSeconds(clock_->NowMillis());
  out["OffsetSeconds"] = clock_->OffsetMillis() / 1000;
  return {200, json::serialize(out)};
}

}  // namespace trent::ops
