// RecordHub::Subscribe(limit, recent): the recent records and the subscription are taken
// together, so a record published meanwhile is in exactly one of them.
#include <catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "server/records/record_hub.h"

using namespace trent::records;

namespace {

RequestRecord Numbered(int i) {
  RequestRecord r;
  r.request_id = std::to_string(i);
  return r;
}

}  // namespace

TEST_CASE("Subscribe with the recent records: the latest ones, then only newer ones") {
  RecordHub hub(5, 100);
  for (int i = 0; i < 8; ++i) hub.Publish(Numbered(i));
  std::vector<RequestRecord> recent;
  auto live = hub.Subscribe(2, recent);
  REQUIRE(recent.size() == 2);
  CHECK(recent[0].request_id == "6");
  CHECK(recent[1].request_id == "7");
  hub.Publish(Numbered(8));
  auto next = live->Next(std::chrono::milliseconds(1000));
  REQUIRE(next.size() == 1);
  CHECK(next[0].request_id == "8");
}

TEST_CASE("Subscribe with the recent records while others publish: none lost, none twice") {
  constexpr int kRecords = 5000;
  RecordHub hub(kRecords, kRecords);
  std::thread publisher([&] {
    for (int i = 0; i < kRecords; ++i) hub.Publish(Numbered(i));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::vector<RequestRecord> seen;
  auto live = hub.Subscribe(kRecords, seen);
  publisher.join();
  for (auto batch = live->Next(std::chrono::milliseconds(0)); !batch.empty();
       batch = live->Next(std::chrono::milliseconds(0))) {
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  REQUIRE(seen.size() == size_t{kRecords});
  for (int i = 0; i < kRecords; ++i) CHECK(seen[i].request_id == std::to_string(i));
}
