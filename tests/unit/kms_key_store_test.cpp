// The key store against a real SoftHSM token and a real SQLite file.
#include <catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/clock.h"
#include "hsm/hsm.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "storage/key_repository.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

namespace fs = std::filesystem;
using namespace trent;
using namespace trent::kms;

namespace {

constexpr int64_t kDay = kMillisPerDay;
constexpr int64_t kQuota = 1000;

using testing::TempDir;

using testing::OpenStore;

NewKeySpec Spec() {
  NewKeySpec spec;
  spec.account = "111122223333";
  spec.region = "us-east-1";
  spec.description = "test key";
  spec.tags = {{"team", "storage"}};
  return spec;
}

}  // namespace

TEST_CASE("keys survive a reopen and their ciphertexts still decrypt") {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  std::string blob, key_id;
  EncryptionContext context = {{"purpose", "test"}};
  {
    OpenStore open(dir.path);
    auto key = open.keys->Create(Spec(), clock.NowMillis());
    REQUIRE(key.ok());
    key_id = (*key)->id;
    KeyCrypto crypto(*open.keys);
    auto sealed = crypto.Encrypt(**key, "hello", context);
    REQUIRE(sealed.ok());
    blob = *sealed;
  }
  OpenStore open(dir.path);
  KeyPtr key = open.keys->Find(key_id);
  REQUIRE(key);
  CHECK(key->description == "test key");
  REQUIRE(key->tags.size() == 1);
  CHECK(key->tags[0].value == "storage");

  KeyCrypto crypto(*open.keys);
  auto located = crypto.Locate(blob, "us-east-1");
  REQUIRE(located.ok());
  CHECK(located->key->id == key_id);
  auto plaintext = crypto.Open(*located, context);
  REQUIRE(plaintext.ok());
  CHECK(plaintext->view() == "hello");

  CHECK(crypto.Open(*located, {{"purpose", "other"}}).status().code() ==
        ErrorCode::kInvalidCiphertext);
  CHECK(crypto.Locate(blob, "eu-west-1").status().code() ==
        ErrorCode::kInvalidCiphertext);
}

TEST_CASE("a key is deleted only once its deletion date has passed") {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  OpenStore open(dir.path);
  KeyStore& keys = *open.keys;
  KeyCrypto crypto(keys);

  auto doomed = keys.Create(Spec(), clock.NowMillis());
  auto kept = keys.Create(Spec(), clock.NowMillis());
  REQUIRE(doomed.ok());
  REQUIRE(kept.ok());
  auto blob = crypto.Encrypt(**doomed, "secret", {});
  REQUIRE(blob.ok());
  auto pending = keys.Update(**doomed, [&](Key& key) {
    return ScheduleDeletion(key, clock.NowMillis() + 7 * kDay, 7);
  });
  REQUIRE(pending.ok());

  clock.Advance(7 * kDay - 1);
  REQUIRE(keys.PurgeExpired(clock.NowMillis()).ok());
  CHECK(keys.Find((*doomed)->id) != nullptr);

  clock.Advance(1);
  auto purged = keys.PurgeExpired(clock.NowMillis());
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(keys.Find((*doomed)->id) == nullptr);
  CHECK(keys.Find((*kept)->id) != nullptr);
  CHECK(crypto.Locate(*blob, "us-east-1").status().code() ==
        ErrorCode::kInvalidCiphertext);
  CHECK(keys.List("111122223333", "us-east-1", 0, 10).size() == 1);

  // Gone from storage too: a fresh load does not see it.
  auto reloaded = KeyStore::Load(*open.repo, *open.hsm, kQuota, MaterialCache::kDefaultCapacity);
  REQUIRE(reloaded.ok());
  CHECK((*reloaded)->Find((*doomed)->id) == nullptr);
  CHECK((*reloaded)->Find((*kept)->id) != nullptr);
}

TEST_CASE("listing pages through one account and region in creation order") {
  TempDir dir;
  OpenStore open(dir.path);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    NewKeySpec spec = Spec();
    if (i == 2) spec.region = "eu-west-1";
    auto key = open.keys->Create(spec, 0);
    REQUIRE(key.ok());
    if (i != 2) ids.push_back((*key)->id);
  }
  auto first = open.keys->List("111122223333", "us-east-1", 0, 3);
  REQUIRE(first.size() == 3);
  auto rest = open.keys->List("111122223333", "us-east-1", first.back()->seq, 3);
  REQUIRE(rest.size() == 1);
  CHECK(first[0]->id == ids[0]);
  CHECK(first[2]->id == ids[2]);
  CHECK(rest[0]->id == ids[3]);
}

namespace {

enum class Op { kEnable, kDisable, kSchedule, kCancel };

// One state change as the store decided it (recorded by the edit, under the writer lock).
struct Decision {
  int op_id;
  Op op;
  KeyState before;
  bool ok;
  KeyState after;
};

Status Apply(Op op, Key& key, int64_t deletion_date_ms) {
  switch (op) {
    case Op::kEnable: return Enable(key);
    case Op::kDisable: return Disable(key);
    case Op::kSchedule: return ScheduleDeletion(key, deletion_date_ms, 7);
    case Op::kCancel: return CancelDeletion(key);
  }
  return InternalError("unknown op");
}

// What AWS allows from `before`: only CancelKeyDeletion leaves PendingDeletion.
bool Allowed(Op op, KeyState before) {
  return (op == Op::kCancel) == (before == KeyState::kPendingDeletion);
}

}  // namespace

TEST_CASE("concurrent state changes are each decided on the key the previous one left") {
  TempDir dir;
  constexpr int kKeys = 3, kThreads = 4, kOpsPerThread = 150;
  constexpr int64_t kNow = 1'700'000'000'000;
  std::vector<std::string> ids;
  std::map<std::string, std::vector<Decision>> decided;  // per key, in decision order
  std::map<int, std::pair<Status, KeyPtr>> answered;     // per op id
  std::map<int, std::string> key_of;
  {
    OpenStore open(dir.path);
    KeyStore& keys = *open.keys;
    std::vector<KeyPtr> created;
    for (int i = 0; i < kKeys; ++i) {
      auto key = keys.Create(Spec(), kNow);
      REQUIRE(key.ok());
      created.push_back(*key);
      ids.push_back((*key)->id);
    }
    std::mutex record;
    auto worker = [&](int thread) {
      std::mt19937 random(thread);
      for (int n = 0; n < kOpsPerThread; ++n) {
        int op_id = thread * kOpsPerThread + n;
        const KeyPtr& target = created[random() % kKeys];  // a stale snapshot, on purpose
        Op op = static_cast<Op>(random() % 4);
        int64_t date = kNow + 7 * kDay + op_id;  // tells the acknowledged schedules apart
        auto result = keys.Update(*target, [&](Key& key) {
          KeyState before = key.state;
          Status st = Apply(op, key, date);
          std::lock_guard lock(record);
          decided[key.id].push_back({op_id, op, before, st.ok(), key.state});
          return st;
        });
        std::lock_guard lock(record);
        answered.emplace(op_id, std::make_pair(result.status(), result.ok() ? *result : nullptr));
        key_of[op_id] = target->id;
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
    for (auto& t : threads) t.join();

    REQUIRE(answered.size() == size_t{kThreads * kOpsPerThread});
    for (const std::string& id : ids) {
      KeyState state = KeyState::kEnabled;  // as created
      std::optional<int64_t> deletion_date;
      for (const Decision& d : decided[id]) {
        INFO("key " << id << " op " << d.op_id);
        CHECK(d.before == state);                // decided on the key as the last change left it
        CHECK(d.ok == Allowed(d.op, d.before));  // a schedule is undone only by a cancel
        const auto& [status, after] = answered.at(d.op_id);
        CHECK(status.ok() == d.ok);              // answered as decided
        if (!d.ok) {
          CHECK(status.code() == ErrorCode::kInvalidState);
          continue;
        }
        REQUIRE(after);
        CHECK(after->state == d.after);
        state = d.after;
        if (d.op == Op::kSchedule) deletion_date = kNow + 7 * kDay + d.op_id;
        if (d.op == Op::kCancel) deletion_date.reset();
        CHECK(after->deletion_date_ms == deletion_date);
      }
      KeyPtr final_key = keys.Find(id);
      REQUIRE(final_key);
      CHECK(final_key->state == state);  // the last acknowledged change won
      CHECK(final_key->deletion_date_ms == deletion_date);
    }
  }
  // Memory and SQLite agree: a reopened store sees the same final keys.
  OpenStore reopened(dir.path);
  for (const std::string& id : ids) {
    const Decision* last = nullptr;
    for (const Decision& d : decided[id]) {
      if (d.ok) last = &d;
    }
    KeyPtr key = reopened.keys->Find(id);
    REQUIRE(key);
    CHECK(key->state == (last ? last->after : KeyState::kEnabled));
    KeyPtr acknowledged = last ? answered.at(last->op_id).second : nullptr;
    if (acknowledged) {
      CHECK(key->deletion_date_ms == acknowledged->deletion_date_ms);
      CHECK(key->pending_window_days == acknowledged->pending_window_days);
    }
  }
}

TEST_CASE("concurrent creates are committed together, in seq order, and all survive a reopen") {
  TempDir dir;
  constexpr int kThreads = 6, kPerThread = 40;
  std::vector<KeyPtr> created;
  {
    OpenStore open(dir.path);
    std::mutex record;
    std::vector<Status> failures;  // Catch's assertions are for the main thread only
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          auto key = open.keys->Create(Spec(), 0);
          std::lock_guard lock(record);
          if (key.ok()) created.push_back(*key);
          else failures.push_back(key.status());
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(failures.empty());
    // The lookups and the list grew several times from empty (KeyStore::MakeRoomFor), and
    // hold every key.
    CHECK(open.keys->List("111122223333", "us-east-1", 0, 1000).size() == created.size());
    for (const KeyPtr& key : created) {
      CHECK(open.keys->Find(key->id) == key);
      CHECK(open.keys->FindByVersion(key->current_version().id_view()) == key);
    }
  }
  OpenStore open(dir.path);
  auto listed = open.keys->List("111122223333", "us-east-1", 0, 1000);
  REQUIRE(listed.size() == created.size());
  std::set<int64_t> seqs;
  for (const KeyPtr& key : created) {
    seqs.insert(key->seq);
    KeyPtr stored = open.keys->Find(key->id);
    REQUIRE(stored);
    CHECK(stored->seq == key->seq);
    CHECK(stored->current_version().wrapped_material == key->current_version().wrapped_material);
  }
  CHECK(seqs.size() == created.size());
}

TEST_CASE("CreateThen answers each key once it is stored, from the committer, quota and all") {
  TempDir dir;
  constexpr int64_t kSmallQuota = 5;
  constexpr int kThreads = 3, kPerThread = 4;
  std::mutex mu;
  std::condition_variable answered;
  std::vector<Result<KeyPtr>> outcomes;
  bool answered_on_caller = false;
  {
    OpenStore open(dir.path, kSmallQuota);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kPerThread; ++i) {
          const auto caller = std::this_thread::get_id();
          open.keys->CreateThen(Spec(), 0, [&, caller](Result<KeyPtr> key) {
            std::lock_guard lock(mu);
            if (std::this_thread::get_id() == caller) answered_on_caller = true;
            outcomes.push_back(std::move(key));
            answered.notify_all();
          });
        }
      });
    }
    for (auto& t : threads) t.join();
    std::unique_lock lock(mu);
    REQUIRE(answered.wait_for(lock, std::chrono::seconds(30),
                              [&] { return outcomes.size() == kThreads * kPerThread; }));
  }
  CHECK_FALSE(answered_on_caller);
  std::vector<std::string> stored_ids;
  for (const Result<KeyPtr>& outcome : outcomes) {
    if (outcome.ok()) {
      stored_ids.push_back((*outcome)->id);
    } else {
      CHECK(outcome.status().code() == ErrorCode::kLimitExceeded);
    }
  }
  CHECK(stored_ids.size() == kSmallQuota);
  OpenStore reopened(dir.path, kSmallQuota);
  CHECK(reopened.keys->List("111122223333", "us-east-1", 0, 100).size() == kSmallQuota);
  for (const std::string& id : stored_ids) CHECK(reopened.keys->Find(id));
}

TEST_CASE("a store going away answers every CreateThen still queued, and keeps those keys") {
  TempDir dir;
  std::vector<std::string> stored_ids;
  int answers = 0;
  {
    OpenStore open(dir.path);
    for (int i = 0; i < 20; ++i) {
      open.keys->CreateThen(Spec(), 0, [&](Result<KeyPtr> key) {
        ++answers;  // the committer answers one batch at a time, in order
        if (key.ok()) stored_ids.push_back((*key)->id);
      });
    }
    open.keys.reset();
    CHECK(answers == 20);
  }
  CHECK(stored_ids.size() == 20);
  OpenStore reopened(dir.path);
  for (const std::string& id : stored_ids) CHECK(reopened.keys->Find(id));
}

TEST_CASE("UpdateThen decides each edit on the key as it is then, answers from the committer") {
  TempDir dir;
  constexpr int kThreads = 3, kPerThread = 20;
  std::mutex mu;
  std::condition_variable answered;
  int answers = 0, ok = 0, refused = 0;
  bool answered_on_caller = false;
  std::string key_id;
  NewKeySpec spec = Spec();
  spec.description = "";
  {
    OpenStore open(dir.path);
    auto made = open.keys->Create(spec, 0);
    REQUIRE(made.ok());
    const KeyPtr stale = *made;  // every edit names the key by this first snapshot
    key_id = stale->id;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const auto caller = std::this_thread::get_id();
          // Every third edit refuses, and must leave the key as it was.
          const bool refuse = i % 3 == 2;
          open.keys->UpdateThen(
              stale,
              [t, refuse](Key& k) -> Status {
                if (refuse) {
                  k.description = "lost";
                  return Status(ErrorCode::kConflict, "refused");
                }
                k.description += static_cast<char>('a' + t);
                return Status::Ok();
              },
              [&, caller, refuse](Result<KeyPtr> key) {
                std::lock_guard lock(mu);
                if (std::this_thread::get_id() == caller) answered_on_caller = true;
                // Counted by outcome; checked on the test's thread (Catch is not thread-safe).
                if (refuse) {
                  refused += key.status().code() == ErrorCode::kConflict ? 1 : 0;
                } else {
                  ok += key.ok() ? 1 : 0;
                }
                ++answers;
                answered.notify_all();
              });
        }
      });
    }
    for (auto& t : threads) t.join();
    std::unique_lock lock(mu);
    REQUIRE(answered.wait_for(lock, std::chrono::seconds(30),
                              [&] { return answers == kThreads * kPerThread; }));
    CHECK(open.keys->Find(key_id)->description.size() == static_cast<size_t>(ok));
  }
  CHECK_FALSE(answered_on_caller);
  CHECK(refused == kThreads * (kPerThread / 3));
  CHECK(ok == kThreads * (kPerThread - kPerThread / 3));
  OpenStore reopened(dir.path);
  const std::string stored = reopened.keys->Find(key_id)->description;
  CHECK(stored.size() == static_cast<size_t>(ok));
  for (int t = 0; t < kThreads; ++t) {
    CHECK(std::count(stored.begin(), stored.end(), static_cast<char>('a' + t)) ==
          kPerThread - kPerThread / 3);
  }
}

TEST_CASE("UpdateThen of a key deleted meanwhile answers NotFoundException") {
  TempDir dir;
  OpenStore open(dir.path);
  auto made = open.keys->Create(Spec(), 0);
  REQUIRE(made.ok());
  REQUIRE(open.keys->DeleteKeys({*made}).ok());
  std::promise<Result<KeyPtr>> outcome;
  open.keys->UpdateThen(*made, [](Key&) { return Status::Ok(); },
                        [&](Result<KeyPtr> key) { outcome.set_value(std::move(key)); });
  auto future = outcome.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  CHECK(future.get().status().code() == ErrorCode::kNotFound);
}

TEST_CASE("the key quota counts every key of an account in a region, and frees on deletion") {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  constexpr int64_t kSmallQuota = 3;
  std::string doomed_id;
  {
    OpenStore open(dir.path, kSmallQuota);
    KeyStore& keys = *open.keys;
    std::vector<KeyPtr> made;
    for (int i = 0; i < kSmallQuota; ++i) {
      auto key = keys.Create(Spec(), clock.NowMillis());
      REQUIRE(key.ok());
      made.push_back(*key);
    }
    auto refused = keys.Create(Spec(), clock.NowMillis());
    CHECK(refused.status().code() == ErrorCode::kLimitExceeded);
    CHECK(refused.status().message() ==
          "Key quota for this account in this region is 3 but the current usage is 3.");
    NewKeySpec elsewhere = Spec();
    elsewhere.region = "eu-west-1";
    CHECK(keys.Create(elsewhere, clock.NowMillis()).ok());
    elsewhere.region = "us-east-1";
    elsewhere.account = "444455556666";
    CHECK(keys.Create(elsewhere, clock.NowMillis()).ok());

    // A key pending deletion still counts; once deleted it does not.
    doomed_id = made[0]->id;
    REQUIRE(keys.Update(*made[0], [&](Key& key) {
      return ScheduleDeletion(key, clock.NowMillis() + 7 * kDay, 7);
    }).ok());
    CHECK(keys.Create(Spec(), clock.NowMillis()).status().code() == ErrorCode::kLimitExceeded);
    clock.Advance(7 * kDay);
    auto purged = keys.PurgeExpired(clock.NowMillis());
    REQUIRE(purged.ok());
    CHECK(*purged == 1);
    CHECK(keys.Create(Spec(), clock.NowMillis()).ok());
    CHECK(keys.Create(Spec(), clock.NowMillis()).status().code() == ErrorCode::kLimitExceeded);
  }
  // The count is rebuilt from storage on load.
  OpenStore reopened(dir.path, kSmallQuota);
  CHECK(reopened.keys->Find(doomed_id) == nullptr);
  CHECK(reopened.keys->Create(Spec(), clock.NowMillis()).status().code() ==
        ErrorCode::kLimitExceeded);
}

TEST_CASE("a purge deletes only keys still due when their turn comes, beside other writes") {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  OpenStore open(dir.path);
  KeyStore& keys = *open.keys;
  constexpr int kDoomed = 150;  // more than one purge batch
  std::vector<KeyPtr> doomed;
  for (int i = 0; i < kDoomed; ++i) {
    auto key = keys.Create(Spec(), clock.NowMillis());
    REQUIRE(key.ok());
    auto pending = keys.Update(**key, [&](Key& k) {
      return ScheduleDeletion(k, clock.NowMillis() + 7 * kDay, 7);
    });
    REQUIRE(pending.ok());
    doomed.push_back(*pending);
  }
  clock.Advance(7 * kDay);
  // Cancels race the purge: each key ends either deleted, or cancelled and kept.
  std::vector<Result<KeyPtr>> cancelled(kDoomed, KeyPtr());
  std::thread canceller([&] {
    for (int i = kDoomed - 1; i >= 0; i -= 2) {
      cancelled[i] = keys.Update(*doomed[i], CancelDeletion);
    }
  });
  auto purged = keys.PurgeExpired(clock.NowMillis());
  canceller.join();
  REQUIRE(purged.ok());
  size_t kept = 0;
  for (int i = 0; i < kDoomed; ++i) {
    INFO("key " << i);
    KeyPtr now = keys.Find(doomed[i]->id);
    bool cancel_tried = (kDoomed - 1 - i) % 2 == 0;
    if (cancel_tried && cancelled[i].ok()) {
      REQUIRE(now);  // an acknowledged cancel is never undone by the purge
      CHECK(now->state == KeyState::kDisabled);
      ++kept;
    } else {
      CHECK(now == nullptr);
      if (cancel_tried) CHECK(cancelled[i].status().code() == ErrorCode::kNotFound);
    }
  }
  CHECK(*purged + kept == size_t{kDoomed});
  auto reloaded = KeyStore::Load(*open.repo, *open.hsm, kQuota, MaterialCache::kDefaultCapacity);
  REQUIRE(reloaded.ok());
  CHECK((*reloaded)->List("111122223333", "us-east-1", 0, 1000).size() == kept);
}

namespace {

// The real repository, with a gate that holds every Apply until opened, and a record of the
// size of each batch it was given.
class GatedRepository : public storage::KeyRepository {
 public:
  explicit GatedRepository(storage::KeyRepository& real) : real_(real) {}

  Status LoadAll(const std::function<Status(storage::KeyRow&)>& each) override {
    return real_.LoadAll(each);
  }
  Status LoadAliases(const std::function<Status(storage::AliasRow&)>& each) override {
    return real_.LoadAliases(each);
  }
  Result<size_t> CountKeys() override { return real_.CountKeys(); }
  Status Apply(std::vector<storage::KeyWrite>& writes) override {
    std::unique_lock lock(mu_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
    batches_.push_back(writes.size());
    return real_.Apply(writes);
  }

  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  void AwaitWriter() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return waiting_ > 0; });
  }
  std::vector<size_t> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  storage::KeyRepository& real_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool open_ = false;
  int waiting_ = 0;
  std::vector<size_t> batches_;
};

}  // namespace

TEST_CASE("readers never wait for a commit, and writers queued behind one are committed together") {
  TempDir dir;
  OpenStore open(dir.path);
  auto first = open.keys->Create(Spec(), 0);
  REQUIRE(first.ok());
  std::vector<KeyPtr> keys;
  for (int i = 0; i < 5; ++i) {
    auto key = open.keys->Create(Spec(), 0);
    REQUIRE(key.ok());
    keys.push_back(*key);
  }
  GatedRepository gated(*open.repo);
  auto loaded = KeyStore::Load(gated, *open.hsm, kQuota, MaterialCache::kDefaultCapacity);
  REQUIRE(loaded.ok());
  open.keys.reset();
  KeyStore& store = **loaded;

  // The first write holds the disk; five more queue up behind it.
  std::vector<Status> answers(1 + keys.size());  // checked on the main thread, as Catch needs
  std::vector<std::thread> writers;
  writers.emplace_back([&] { answers[0] = store.Update(**first, Disable).status(); });
  gated.AwaitWriter();
  for (size_t i = 0; i < keys.size(); ++i) {
    writers.emplace_back([&, i] { answers[i + 1] = store.Update(*keys[i], Disable).status(); });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // Meanwhile readers are served the published snapshots.
  KeyPtr seen = store.Find((*first)->id);
  REQUIRE(seen);
  CHECK(seen->state == KeyState::kEnabled);
  CHECK(store.FindByVersion(seen->current_version().id_view()) == seen);
  CHECK(store.List("111122223333", "us-east-1", 0, 10).size() == 6);

  gated.Open();
  for (auto& t : writers) t.join();
  for (const Status& answer : answers) CHECK(answer.ok());
  CHECK(store.Find((*first)->id)->state == KeyState::kDisabled);
  std::vector<size_t> batches = gated.batches();
  INFO("batch sizes: " << Catch::Detail::stringify(batches));
  CHECK(batches.size() < 6);  // fewer transactions (and fsyncs) than changes
  CHECK(*std::max_element(batches.begin(), batches.end()) >= 2);
}

TEST_CASE("a batch where an AWS managed key's create finds its alias taken numbers the other "
          "created keys right") {
  TempDir dir;
  OpenStore open(dir.path);
  GatedRepository gated(*open.repo);
  auto loaded = KeyStore::Load(gated, *open.hsm, kQuota, MaterialCache::kDefaultCapacity);
  REQUIRE(loaded.ok());
  open.keys.reset();
  KeyStore& store = **loaded;

  // The first create holds the disk; behind it, in this order: two first uses of one AWS
  // managed alias (the second finds the alias the first makes, and inserts nothing), then a
  // customer key.
  NewKeySpec managed = Spec();
  managed.key_manager = kAwsKeyManager;
  std::vector<std::string> ids(4);  // empty: failed (checked on the main thread, as Catch needs)
  std::vector<std::thread> writers;
  auto keep = [&ids](size_t i, const Result<KeyPtr>& key) {
    if (key.ok()) ids[i] = (*key)->id;
  };
  writers.emplace_back([&] { keep(0, store.Create(Spec(), 0)); });
  gated.AwaitWriter();
  for (size_t i = 1; i <= 2; ++i) {
    writers.emplace_back([&, i] {
      keep(i, store.FindOrCreateAwsManagedKey(managed, "alias/aws/s3", 0));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  writers.emplace_back([&] { keep(3, store.Create(Spec(), 0)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  gated.Open();
  for (auto& t : writers) t.join();
  REQUIRE(std::count(ids.begin(), ids.end(), "") == 0);
  CHECK(ids[1] == ids[2]);

  // Each key's seq in memory is the one storage gave it.
  std::map<std::string, int64_t> seq_in_memory;
  for (const std::string& id : ids) seq_in_memory[id] = store.Find(id)->seq;
  auto reloaded = KeyStore::Load(*open.repo, *open.hsm, kQuota, MaterialCache::kDefaultCapacity);
  REQUIRE(reloaded.ok());
  for (const auto& [id, seq] : seq_in_memory) {
    INFO("key " << id);
    CHECK((*reloaded)->Find(id)->seq == seq);
  }
}
