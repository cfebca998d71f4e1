// Aliases in the key store, against a real SoftHSM token and a real SQLite file: decided on
// the state earlier changes left, stored with key writes, gone with their purged key, and
// AWS managed keys created once.
#include <catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "hsm/hsm.h"
#include "server/kms/key_store.h"
#include "storage/key_repository.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

namespace fs = std::filesystem;
using namespace trent;
using namespace trent::kms;

namespace {

constexpr int64_t kDay = kMillisPerDay;
constexpr const char* kAccount = "111122223333";
constexpr const char* kRegion = "us-east-1";

using testing::OpenStore;

NewKeySpec Spec() {
  NewKeySpec spec;
  spec.account = kAccount;
  spec.region = kRegion;
  return spec;
}

KeyPtr NewKey(KeyStore& keys, int64_t now_ms) {
  auto key = keys.Create(Spec(), now_ms);
  REQUIRE(key.ok());
  return *key;
}

std::vector<std::string> Names(const std::vector<AliasPtr>& aliases) {
  std::vector<std::string> names;
  for (const auto& a : aliases) names.push_back(a->name);
  return names;
}

}  // namespace

TEST_CASE("ChangeAliasThen decides as the waiting forms do, answers from the committer") {
  testing::TempDir dir;
  ManualClock clock(1'700'000'000'000);
  std::string a_id, b_id;
  {
    OpenStore open(dir.path);
    KeyStore& keys = *open.keys;
    KeyPtr a = NewKey(keys, clock.NowMillis());
    KeyPtr b = NewKey(keys, clock.NowMillis());
    a_id = a->id;
    b_id = b->id;
    using Op = KeyStore::AliasOp;
    // The outcome of one change, and whether it came from another thread than the caller's.
    auto change = [&](Op op, const std::string& name, KeyPtr target) {
      std::promise<std::pair<Status, bool>> answered;
      const auto caller = std::this_thread::get_id();
      keys.ChangeAliasThen(op, kAccount, kRegion, name, std::move(target), clock.NowMillis(),
                           [&, caller](Status stored) {
                             answered.set_value({stored, std::this_thread::get_id() != caller});
                           });
      auto outcome = answered.get_future().get();
      CHECK(outcome.second);
      return outcome.first.code();
    };
    CHECK(change(Op::kCreate, "alias/one", a) == ErrorCode::kOk);
    CHECK(change(Op::kCreate, "alias/one", b) == ErrorCode::kAlreadyExists);
    CHECK(change(Op::kCreate, "alias/two", a) == ErrorCode::kOk);
    CHECK(change(Op::kUpdate, "alias/two", b) == ErrorCode::kOk);
    CHECK(change(Op::kUpdate, "alias/none", b) == ErrorCode::kNotFound);
    CHECK(change(Op::kCreate, "alias/three", b) == ErrorCode::kOk);
    CHECK(change(Op::kDelete, "alias/three", nullptr) == ErrorCode::kOk);
    CHECK(change(Op::kDelete, "alias/three", nullptr) == ErrorCode::kNotFound);
  }
  OpenStore reopened(dir.path);
  CHECK(Names(reopened.keys->AliasesOf(a_id)) == std::vector<std::string>{"alias/one"});
  CHECK(Names(reopened.keys->AliasesOf(b_id)) == std::vector<std::string>{"alias/two"});
}

TEST_CASE("aliases are created, moved and deleted, and survive a reload") {
  testing::TempDir dir;
  ManualClock clock(1'700'000'000'000);
  OpenStore open(dir.path);
  KeyPtr a = NewKey(*open.keys, clock.NowMillis());
  KeyPtr b = NewKey(*open.keys, clock.NowMillis());

  REQUIRE(open.keys->CreateAlias(kAccount, kRegion, "alias/one", *a, clock.NowMillis()).ok());
  REQUIRE(open.keys->CreateAlias(kAccount, kRegion, "alias/two", *a, clock.NowMillis()).ok());
  CHECK(open.keys->CreateAlias(kAccount, kRegion, "alias/one", *b, clock.NowMillis()).code() ==
        ErrorCode::kAlreadyExists);
  clock.Advance(1000);
  REQUIRE(open.keys->UpdateAlias(kAccount, kRegion, "alias/two", *b, clock.NowMillis()).ok());
  CHECK(open.keys->UpdateAlias(kAccount, kRegion, "alias/none", *b, clock.NowMillis()).code() ==
        ErrorCode::kNotFound);
  REQUIRE(open.keys->CreateAlias(kAccount, kRegion, "alias/three", *b, clock.NowMillis()).ok());
  REQUIRE(open.keys->DeleteAlias(kAccount, kRegion, "alias/three").ok());
  CHECK(open.keys->DeleteAlias(kAccount, kRegion, "alias/three").code() == ErrorCode::kNotFound);

  for (int pass = 0; pass < 2; ++pass) {
    INFO("pass " << pass);
    KeyStore& keys = *open.keys;
    CHECK(Names(keys.ListAliases(kAccount, kRegion, "", 10)) ==
          std::vector<std::string>{"alias/one", "alias/two"});
    CHECK(Names(keys.ListAliases(kAccount, kRegion, "alias/one", 10)) ==
          std::vector<std::string>{"alias/two"});
    CHECK(keys.ListAliases(kAccount, "eu-west-1", "", 10).empty());
    CHECK(Names(keys.AliasesOf(a->id)) == std::vector<std::string>{"alias/one"});
    CHECK(Names(keys.AliasesOf(b->id)) == std::vector<std::string>{"alias/two"});
    AliasPtr two = keys.FindAlias(kAccount, kRegion, "alias/two");
    REQUIRE(two);
    CHECK(two->target_key_id == b->id);
    CHECK(two->arn == "arn:aws:kms:us-east-1:111122223333:alias/two");
    CHECK(two->created_at_ms == 1'700'000'000'000);
    CHECK(two->updated_at_ms == 1'700'000'001'000);
    open.Reload();
  }
}

TEST_CASE("the per-key alias limit counts the aliases the batch leaves") {
  testing::TempDir dir;
  OpenStore open(dir.path);
  KeyStore& keys = *open.keys;
  KeyPtr full = NewKey(keys, 1);
  KeyPtr other = NewKey(keys, 1);
  // Created concurrently: the writes of one batch are counted together.
  std::vector<std::thread> threads;
  // Catch's assertions are not thread-safe: the threads only count.
  std::atomic<int> created{0}, refused{0};
  for (size_t i = 0; i < kMaxAliasesPerKey + 5; ++i) {
    threads.emplace_back([&, i] {
      Status st = keys.CreateAlias(kAccount, kRegion, "alias/n" + std::to_string(i), *full, 1);
      if (st.ok()) ++created;
      if (st.code() == ErrorCode::kLimitExceeded) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(created == static_cast<int>(kMaxAliasesPerKey));
  CHECK(refused == 5);
  CHECK(keys.AliasesOf(full->id).size() == kMaxAliasesPerKey);
  // Moving one away makes room; moving another onto the full key is refused.
  std::string moved = keys.AliasesOf(full->id).front()->name;
  REQUIRE(keys.CreateAlias(kAccount, kRegion, "alias/spare", *other, 1).ok());
  CHECK(keys.UpdateAlias(kAccount, kRegion, "alias/spare", *full, 1).code() ==
        ErrorCode::kLimitExceeded);
  REQUIRE(keys.UpdateAlias(kAccount, kRegion, moved, *other, 1).ok());
  CHECK(keys.UpdateAlias(kAccount, kRegion, "alias/spare", *full, 1).ok());
}

TEST_CASE("a target pending deletion is refused, and a purge takes the key's aliases") {
  testing::TempDir dir;
  ManualClock clock(1'700'000'000'000);
  OpenStore open(dir.path);
  KeyStore& keys = *open.keys;
  KeyPtr doomed = NewKey(keys, clock.NowMillis());
  KeyPtr kept = NewKey(keys, clock.NowMillis());
  REQUIRE(keys.CreateAlias(kAccount, kRegion, "alias/doomed", *doomed, clock.NowMillis()).ok());
  REQUIRE(keys.CreateAlias(kAccount, kRegion, "alias/kept", *kept, clock.NowMillis()).ok());
  REQUIRE(keys.Update(*doomed, [&](Key& key) {
    return ScheduleDeletion(key, clock.NowMillis() + 7 * kDay, 7);
  }).ok());
  CHECK(keys.CreateAlias(kAccount, kRegion, "alias/late", *doomed, clock.NowMillis()).code() ==
        ErrorCode::kInvalidState);
  CHECK(keys.UpdateAlias(kAccount, kRegion, "alias/kept", *doomed, clock.NowMillis()).code() ==
        ErrorCode::kInvalidState);

  clock.Advance(7 * kDay);
  auto purged = keys.PurgeExpired(clock.NowMillis());
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(keys.FindAlias(kAccount, kRegion, "alias/doomed") == nullptr);
  CHECK(keys.AliasesOf(doomed->id).empty());
  CHECK(Names(keys.ListAliases(kAccount, kRegion, "", 10)) ==
        std::vector<std::string>{"alias/kept"});
  // Gone from storage too, and the name is free again.
  open.Reload();
  CHECK(open.keys->FindAlias(kAccount, kRegion, "alias/doomed") == nullptr);
  CHECK(open.keys->CreateAlias(kAccount, kRegion, "alias/doomed", *kept, clock.NowMillis())
            .ok());
}

TEST_CASE("concurrent first uses of an AWS managed alias create one key, outside the quota") {
  testing::TempDir dir;
  OpenStore open(dir.path, /*key_quota=*/1);
  KeyStore& keys = *open.keys;
  NewKeySpec spec = Spec();
  spec.key_manager = kAwsKeyManager;
  std::vector<std::thread> threads;
  std::vector<std::string> ids(16);  // empty: failed
  for (size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      auto key = keys.FindOrCreateAwsManagedKey(spec, "alias/aws/s3", 1);
      if (key.ok()) ids[i] = (*key)->id;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(std::count(ids.begin(), ids.end(), "") == 0);
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == 1);
  CHECK(keys.List(kAccount, kRegion, 0, 100).size() == 1);
  KeyPtr managed = keys.Find(ids[0]);
  REQUIRE(managed);
  CHECK(managed->key_manager == "AWS");
  // A quota of one still leaves room for a customer key.
  CHECK(keys.Create(Spec(), 1).ok());
  open.Reload();  // with the same quota of one
  CHECK(open.keys->FindAlias(kAccount, kRegion, "alias/aws/s3")->target_key_id == ids[0]);
  CHECK(open.keys->Find(ids[0])->key_manager == "AWS");
  CHECK(open.keys->Create(Spec(), 1).status().code() == ErrorCode::kLimitExceeded);
}
