// LastUsage and UsageTracker: what is written is read back whole, only changed records are
// taken, and under concurrent writers and flushes the last write of each key always reaches a
// flush (the record is listed again when a write races the flush).
#include <catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/kms/last_usage.h"

using namespace trent;
using namespace trent::kms;

namespace {

KeyPtr NewKey(const std::string& id, int64_t created_at_ms = 1000) {
  static int64_t last_seq = 0;
  auto key = std::make_shared<Key>();
  key->id = id;
  key->seq = ++last_seq;
  key->created_at_ms = created_at_ms;
  key->last_usage = std::make_shared<LastUsage>(id);
  return key;
}

}  // namespace

TEST_CASE("a record reads back what was written, a long request id cut") {
  LastUsage usage("k");
  CHECK_FALSE(usage.Read().has_value());
  REQUIRE(usage.Write(UsageOperation::kDecrypt, 1234, "0a1b2c3d-0000-4000-8000-000000000001"));
  auto read = usage.Read();
  REQUIRE(read.has_value());
  CHECK(read->operation == UsageOperation::kDecrypt);
  CHECK(read->at_ms == 1234);
  CHECK(read->request_id == "0a1b2c3d-0000-4000-8000-000000000001");
  const std::string long_id(100, 'x');
  REQUIRE(usage.Write(UsageOperation::kEncrypt, 1, long_id));
  CHECK(usage.Read()->request_id == long_id.substr(0, LastUsage::kRequestIdCapacity));
  REQUIRE(usage.Write(UsageOperation::kEncrypt, 2, "short"));
  CHECK(usage.Read()->request_id == "short");
}

TEST_CASE("operation names are AWS's and parse back") {
  for (auto op = static_cast<uint8_t>(UsageOperation::kEncrypt);
       op <= static_cast<uint8_t>(UsageOperation::kDeriveSharedSecret); ++op) {
    const auto operation = static_cast<UsageOperation>(op);
    CHECK(ParseUsageOperation(UsageOperationName(operation)) == operation);
  }
  CHECK(std::string(UsageOperationName(UsageOperation::kGenerateDataKeyWithoutPlaintext)) ==
        "GenerateDataKeyWithoutPlaintext");
  CHECK(std::string(UsageOperationName(UsageOperation::kSign)) == "Sign");
  CHECK_FALSE(ParseUsageOperation("CreateKey").has_value());
}

TEST_CASE("the tracker hands out each changed key once, as it is now") {
  UsageTracker tracker(5000);
  KeyPtr a = NewKey("a"), b = NewKey("b"), idle = NewKey("idle");
  CHECK(tracker.TakeChanged().empty());
  tracker.Record(*a, UsageOperation::kEncrypt, 1, "r1");
  tracker.Record(*a, UsageOperation::kDecrypt, 2, "r2");
  tracker.Record(*b, UsageOperation::kReEncrypt, 3, "r3");
  auto rows = tracker.TakeChanged();
  REQUIRE(rows.size() == 2);
  std::map<std::string, storage::UsageRow> by_key;
  for (auto& r : rows) by_key[r.key_id] = r;
  CHECK(by_key["a"].operation == "Decrypt");
  CHECK(by_key["a"].request_id == "r2");
  CHECK(by_key["a"].key_seq == a->seq);  // how storage finds the key
  CHECK(by_key["b"].used_at_ms == 3);
  CHECK(by_key["b"].key_seq == b->seq);
  CHECK(tracker.TakeChanged().empty());
  tracker.Record(*a, UsageOperation::kEncrypt, 4, "r4");
  rows = tracker.TakeChanged();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].request_id == "r4");
}

TEST_CASE("tracking starts at the key's creation or at the start of tracking") {
  UsageTracker tracker(5000);
  CHECK(tracker.TrackingStartFor(*NewKey("old", 1000)) == 5000);
  CHECK(tracker.TrackingStartFor(*NewKey("new", 9000)) == 9000);
}

TEST_CASE("a listed record outlives its key's snapshots") {
  UsageTracker tracker(0);
  {
    KeyPtr gone = NewKey("gone");
    tracker.Record(*gone, UsageOperation::kEncrypt, 7, "r");
  }
  auto rows = tracker.TakeChanged();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].key_id == "gone");
}

TEST_CASE("concurrency: every key's last write reaches a flush, and no read is torn") {
  UsageTracker tracker(0);
  constexpr int kKeys = 2;
  constexpr int kWriters = 4;  // two per key: their writes race each other
  constexpr int64_t kWrites = 20000;
  std::vector<KeyPtr> keys;
  for (int k = 0; k < kKeys; ++k) keys.push_back(NewKey("key" + std::to_string(k)));
  // What each key was last flushed with: a key is in a flush at most once, and flushes are
  // ordered, so the last one seen must be the record's final state.
  std::map<std::string, int64_t> flushed;
  std::atomic<bool> done{false};
  std::thread flusher([&] {
    while (!done.load()) {
      for (auto& row : tracker.TakeChanged()) flushed[row.key_id] = row.used_at_ms;
    }
  });
  std::atomic<int64_t> torn{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const Key& key = *keys[w % kKeys];
      for (int64_t i = 1; i <= kWrites; ++i) {
        tracker.Record(key, UsageOperation::kEncrypt, i, "request-" + std::to_string(i));
        auto read = key.last_usage->Read();
        if (!read || read->request_id != "request-" + std::to_string(read->at_ms)) ++torn;
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  flusher.join();
  for (auto& row : tracker.TakeChanged()) flushed[row.key_id] = row.used_at_ms;
  CHECK(torn.load() == 0);
  for (const KeyPtr& key : keys) {
    INFO(key->id);
    CHECK(flushed[key->id] == key->last_usage->Read()->at_ms);
  }
}
