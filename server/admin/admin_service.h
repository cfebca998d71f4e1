// The admin API (proto/trent/v1/admin.proto), protocol-neutral: each method takes the request
// message and returns the response message or the error as a trent Status. The gRPC frontend
// (server/grpc) and the HTTP/JSON one (admin_json.h) call the same methods, after checking the
// caller with AdminAllowed (access.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "server/kms/key_store.h"
#include "server/records/record_hub.h"
#include "server/seed/seed.h"
#include "trent/v1/admin.pb.h"

namespace trent::admin {

// The status Health answers while trentd serves.
constexpr const char* kServing = "SERVING";

// StreamRecords: the recent records to send first, then, when the request follows, the
// subscription to read the next ones from (records::RecordHub::Subscription::Next, each
// converted with ToProto in to_proto.h); null without follow.
struct RecordStream {
  std::vector<v1::RequestRecord> recent;
  std::shared_ptr<records::RecordHub::Subscription> live;
};

// Zeroes the seed text of an ApplySeed request in place (its length kept), as it may hold key
// material; each frontend calls it once done with the request, whether it was applied or refused.
void WipeSeedText(v1::ApplySeedRequest& request);

class AdminService {
 public:
  // `hsm_description`: what Health says of the HSM. `test_clock`: the test clock, or nullptr
  // when trentd runs on the system clock; then GetClock and AdvanceClock answer
  // UnsupportedOperationException. `clock_moved` runs after each move of the clock and returns
  // once the background work due by the new time (rotations, deletions) is done.
  // `seed_defaults`: where ApplySeed puts keys when the seed names no Account or Region.
  AdminService(kms::KeyStore& keys, records::RecordHub& records, std::string hsm_description,
               TestClock* test_clock, std::function<void()> clock_moved,
               seed::SeedDefaults seed_defaults = {})
      : keys_(keys),
        records_(records),
        hsm_description_(std::move(hsm_description)),
        test_clock_(test_clock),
        clock_moved_(std::move(clock_moved)),
        seed_defaults_(std::move(seed_defaults)) {}

  Result<v1::HealthResponse> Health(const v1::HealthRequest& request) const;
  Result<v1::ResetResponse> Reset(const v1::ResetRequest& request);
  Result<v1::ListKeyStatesResponse> ListKeyStates(const v1::ListKeyStatesRequest& request) const;
  Result<v1::ClockResponse> GetClock(const v1::GetClockRequest& request) const;
  Result<v1::ClockResponse> AdvanceClock(const v1::AdvanceClockRequest& request);
  Result<RecordStream> StreamRecords(const v1::StreamRecordsRequest& request);
  Result<v1::ApplySeedResponse> ApplySeed(const v1::ApplySeedRequest& request);

 private:
  Status RequireTestClock(std::string_view method) const;
  v1::ClockResponse Clock() const;

  kms::KeyStore& keys_;
  records::RecordHub& records_;
  const std::string hsm_description_;
  TestClock* const test_clock_;
  const std::function<void()> clock_moved_;
  const seed::SeedDefaults seed_defaults_;
};

}  // namespace trent::admin
