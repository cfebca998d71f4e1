// UsageFlusher: what a failed flush could not store is stored by a later one (newest row per key
// winning), and Stop stores what changed since the last flush.
#include <catch.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "server/kms/usage_flusher.h"

using namespace trent;
using namespace trent::kms;

namespace {

// Applies saved rows in order, as the real upsert does; fails while `failing`.
class FakeUsageRepository final : public storage::UsageRepository {
 public:
  Result<int64_t> TrackingStartMs() override { return int64_t{0}; }
  Status LoadAll(const std::function<void(storage::UsageRow&)>&) override { return Status::Ok(); }
  Status Save(const std::vector<storage::UsageRow>& rows) override {
    std::lock_guard lock(mu);
    ++calls;
    if (failing) return InternalError("disk on fire");
    for (const auto& r : rows) stored[r.key_id] = r.used_at_ms;
    return Status::Ok();
  }
  std::mutex mu;
  bool failing = true;
  int calls = 0;
  std::map<std::string, int64_t> stored;
};

KeyPtr NewKey(const std::string& id) {
  auto key = std::make_shared<Key>();
  key->id = id;
  key->last_usage = std::make_shared<LastUsage>(id);
  return key;
}

}  // namespace

TEST_CASE("a failed flush is retried, and Stop stores the rest") {
  UsageTracker tracker(0);
  FakeUsageRepository repo;
  KeyPtr a = NewKey("a"), b = NewKey("b");
  UsageFlusher flusher(tracker, repo, std::chrono::milliseconds(5));
  tracker.Record(*a, UsageOperation::kEncrypt, 1, "r1");
  tracker.Record(*b, UsageOperation::kDecrypt, 5, "r5");
  for (int i = 0; i < 2000; ++i) {  // until a flush has failed
    {
      std::lock_guard lock(repo.mu);
      if (repo.calls > 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  tracker.Record(*a, UsageOperation::kDecrypt, 2, "r2");
  {
    std::lock_guard lock(repo.mu);
    REQUIRE(repo.calls > 0);
    CHECK(repo.stored.empty());
    repo.failing = false;
  }
  flusher.Stop();
  std::lock_guard lock(repo.mu);
  CHECK(repo.stored == std::map<std::string, int64_t>{{"a", 2}, {"b", 5}});
}
