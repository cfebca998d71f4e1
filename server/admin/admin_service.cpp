#include "server/admin/admin_service.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

#include <spdlog/spdlog.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/version.h"
#include "server/admin/to_proto.h"

namespace trent::admin {
namespace {

// The furthest one AdvanceClock moves: 100 years, far beyond any KMS date (the longest, a
// rotation period, is 2560 days).
constexpr int64_t kMaxAdvanceSeconds = 100LL * 366 * 24 * 60 * 60;
constexpr size_t kAccountIdDigits = 12;

Status CheckAccount(const std::string& account) {
  const bool digits =
      account.size() == kAccountIdDigits &&
      std::all_of(account.begin(), account.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) return ValidationError("account must be 12 digits, got '" + account + "'");
  return Status::Ok();
}

Status CheckRegion(const std::string& region) {
  const bool name = !region.empty() && std::all_of(region.begin(), region.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!name) {
    return ValidationError("region must be a region name (lowercase letters, digits, -), got '" +
                           region + "'");
  }
  return Status::Ok();
}

// The keys a request with optional account and region filters names.
template <typename Request>
Result<kms::KeyScope> ScopeOf(const Request& request) {
  kms::KeyScope scope;
  if (request.has_account()) {
    TRY_STATUS(CheckAccount(request.account()));
    scope.account = request.account();
  }
  if (request.has_region()) {
    TRY_STATUS(CheckRegion(request.region()));
    scope.region = request.region();
  }
  return scope;
}

}  // namespace

Result<v1::HealthResponse> AdminService::Health(const v1::HealthRequest&) const {
  v1::HealthResponse out;
  out.set_status(kServing);
  out.set_version(TrentVersion());
  out.set_hsm(hsm_description_);
  out.set_key_count(static_cast<int64_t>(keys_.size()));
  out.set_test_clock(test_clock_ != nullptr);
  return out;
}

Result<v1::ResetResponse> AdminService::Reset(const v1::ResetRequest& request) {
  TRY(kms::KeyScope scope, ScopeOf(request));
  TRY(size_t deleted, keys_.DeleteAll(scope));
  spdlog::info("admin Reset (account {}, region {}): {} keys deleted",
               scope.account.value_or("any"), scope.region.value_or("any"), deleted);
  v1::ResetResponse out;
  out.set_keys_deleted(static_cast<int64_t>(deleted));
  return out;
}

Result<v1::ListKeyStatesResponse> AdminService::ListKeyStates(
    const v1::ListKeyStatesRequest& request) const {
  TRY(kms::KeyScope scope, ScopeOf(request));
  v1::ListKeyStatesResponse out;
  for (const kms::KeyPtr& key : keys_.ListIn(scope)) {
    ToProto(*key, keys_.AliasesOf(key->id), keys_.OnDemandRotationStart(key->id),
            out.add_keys());
  }
  return out;
}

Status AdminService::RequireTestClock(std::string_view method) const {
  if (test_clock_) return Status::Ok();
  return UnsupportedError(std::string(method) +
                          " needs the test clock: trentd serves it only with --test-clock.");
}

v1::ClockResponse AdminService::Clock() const {
  v1::ClockResponse out;
  SetTimestamp(test_clock_->NowMillis(), out.mutable_now());
  out.set_offset_seconds(test_clock_->OffsetMillis() / kMillisPerSecond);
  return out;
}

Result<v1::ClockResponse> AdminService::GetClock(const v1::GetClockRequest&) const {
  TRY_STATUS(RequireTestClock("GetClock"));
  return Clock();
}

Result<v1::ClockResponse> AdminService::AdvanceClock(const v1::AdvanceClockRequest& request) {
  TRY_STATUS(RequireTestClock("AdvanceClock"));
  if (!request.has_seconds() || request.seconds() < 0 ||
      request.seconds() > kMaxAdvanceSeconds) {
    return ValidationError("seconds must be a whole number from 0 to " +
                           std::to_string(kMaxAdvanceSeconds) + ".");
  }
  test_clock_->Advance(request.seconds() * kMillisPerSecond);
  clock_moved_();
  return Clock();
}

Result<RecordStream> AdminService::StreamRecords(const v1::StreamRecordsRequest& request) {
  if (request.limit() < 0) {
    return ValidationError("limit must be 0 (every record kept) or more, got " +
                           std::to_string(request.limit()));
  }
  const size_t limit =
      request.limit() == 0 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(request.limit());
  std::vector<records::RequestRecord> recent;
  RecordStream out;
  if (request.follow()) {
    out.live = records_.Subscribe(limit, recent);
  } else {
    recent = records_.Recent(limit);
  }
  out.recent.reserve(recent.size());
  for (const records::RequestRecord& record : recent) ToProto(record, &out.recent.emplace_back());
  return out;
}

}  // namespace trent::admin

namespace trent::admin {

void WipeSeedText(v1::ApplySeedRequest& request) {
  std::string& yaml = *request.mutable_yaml();
  SecureWipe(yaml.data(), yaml.size());
}

Result<v1::ApplySeedResponse> AdminService::ApplySeed(const v1::ApplySeedRequest& request) {
  TRY(seed::Seed parsed, seed::Parse(request.yaml(), seed_defaults_));
  seed::LogWarnings(parsed);
  const int64_t now_ms = test_clock_ ? test_clock_->NowMillis() : SystemClock().NowMillis();
  TRY(seed::Applied applied, seed::Apply(parsed, keys_, now_ms));
  spdlog::info("admin ApplySeed: {} keys created, {} existing; {} aliases created, {} existing",
               applied.keys_created, applied.keys_existing, applied.aliases_created,
               applied.aliases_existing);
  v1::ApplySeedResponse out;
  out.set_keys_created(static_cast<int64_t>(applied.keys_created));
  out.set_keys_existing(static_cast<int64_t>(applied.keys_existing));
  out.set_aliases_created(static_cast<int64_t>(applied.aliases_created));
  out.set_aliases_existing(static_cast<int64_t>(applied.aliases_existing));
  return out;
}

}  // namespace trent::admin
