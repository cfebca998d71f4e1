// KeyStore::DeleteAll (the admin API's Reset) against a real SoftHSM token and a real SQLite file:
// the keys of a scope go whatever their state, with their aliases, grants and material; the
// others stay; memory and storage agree after a reopen; concurrent writes interleave with it.
#include <catch.hpp>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "server/kms/grants.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

using namespace trent;
using namespace trent::kms;
using testing::OpenStore;
using testing::TempDir;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr const char* kAccountA = "111122223333";
constexpr const char* kAccountB = "444455556666";
constexpr const char* kEast = "us-east-1";
constexpr const char* kWest = "eu-west-1";

NewKeySpec Spec(const std::string& account, const std::string& region) {
  NewKeySpec spec;
  spec.account = account;
  spec.region = region;
  return spec;
}

GrantPtr MakeGrant(const std::string& account) {
  auto g = std::make_shared<policy::Grant>();
  auto id = NewGrantId();
  REQUIRE(id.ok());
  g->grant_id = *id;
  g->grantee_principal = "arn:aws:iam::" + account + ":user/alice";
  g->issuing_account = "arn:aws:iam::" + account + ":root";
  g->operations = {"Encrypt"};
  g->created_at_ms = kNow;
  return g;
}

// Every key id the store holds, of any account and region.
std::set<std::string> AllIds(const KeyStore& keys) {
  std::set<std::string> ids;
  for (const KeyPtr& key : keys.ListIn({})) ids.insert(key->id);
  return ids;
}

// In (account, region): a key with an alias and a grant, a disabled key, a key pending
// deletion, and the AWS managed key of alias/aws/s3. Returns their ids.
std::vector<std::string> Populate(KeyStore& keys, const std::string& account,
                                  const std::string& region) {
  std::vector<std::string> ids;
  auto used = keys.Create(Spec(account, region), kNow);
  REQUIRE(used.ok());
  REQUIRE(keys.CreateAlias(account, region, "alias/app", **used, kNow).ok());
  REQUIRE(keys.Update(**used, [&](Key& k) {
                k.grants.push_back(MakeGrant(account));
                return Status::Ok();
              }).ok());
  ids.push_back((*used)->id);
  auto disabled = keys.Create(Spec(account, region), kNow);
  REQUIRE(disabled.ok());
  REQUIRE(keys.Update(**disabled, Disable).ok());
  ids.push_back((*disabled)->id);
  auto pending = keys.Create(Spec(account, region), kNow);
  REQUIRE(pending.ok());
  REQUIRE(keys.Update(**pending, [](Key& k) { return ScheduleDeletion(k, kNow + 7 * kMillisPerDay, 7); })
              .ok());
  ids.push_back((*pending)->id);
  NewKeySpec managed = Spec(account, region);
  managed.key_manager = kAwsKeyManager;
  auto aws = keys.FindOrCreateAwsManagedKey(managed, "alias/aws/s3", kNow);
  REQUIRE(aws.ok());
  ids.push_back((*aws)->id);
  return ids;
}

}  // namespace

TEST_CASE("DeleteAll takes one account and region whole and leaves the others") {
  TempDir dir;
  OpenStore open(dir.path, 4);  // a quota of 4 customer keys per account and region
  KeyStore& keys = *open.keys;
  const auto a_east = Populate(keys, kAccountA, kEast);
  const auto a_west = Populate(keys, kAccountA, kWest);
  const auto b_east = Populate(keys, kAccountB, kEast);
  const auto b_west = Populate(keys, kAccountB, kWest);
  REQUIRE(keys.size() == 16);

  KeyCrypto crypto(keys);
  const KeyPtr doomed = keys.Find(a_east[0]);
  auto blob = crypto.Encrypt(*doomed, "secret", {});
  REQUIRE(blob.ok());

  auto deleted = keys.DeleteAll({kAccountA, kEast});
  REQUIRE(deleted.ok());
  CHECK(*deleted == 4);
  for (const std::string& id : a_east) CHECK(keys.Find(id) == nullptr);
  CHECK(keys.FindAlias(kAccountA, kEast, "alias/app") == nullptr);
  CHECK(keys.FindAlias(kAccountA, kEast, "alias/aws/s3") == nullptr);
  CHECK(keys.ListAliases(kAccountA, kEast, "", 100).empty());
  CHECK(keys.List(kAccountA, kEast, 0, 100).empty());
  for (const KeyPtr& key : keys.KeysWithGrants(kEast)) CHECK(key->account == kAccountB);
  // The material is gone from the HSM: an old snapshot of the key cannot be used, nor can its
  // ciphertexts be read.
  CHECK(crypto.Encrypt(*doomed, "more", {}).status().code() == ErrorCode::kNotFound);
  CHECK(crypto.Locate(*blob, kEast).status().code() == ErrorCode::kInvalidCiphertext);

  std::set<std::string> expected;
  for (const auto* ids : {&a_west, &b_east, &b_west}) expected.insert(ids->begin(), ids->end());
  CHECK(AllIds(keys) == expected);
  CHECK(keys.FindAlias(kAccountB, kEast, "alias/app") != nullptr);
  CHECK(keys.Find(b_east[0])->grants.size() == 1);

  // The quota counts what is left: account A may create 4 customer keys in us-east-1 again.
  for (int i = 0; i < 4; ++i) CHECK(keys.Create(Spec(kAccountA, kEast), kNow).ok());
  CHECK(keys.Create(Spec(kAccountA, kEast), kNow).status().code() == ErrorCode::kLimitExceeded);
  REQUIRE(keys.DeleteAll({kAccountA, kEast}).ok());

  // Storage agrees with memory.
  open.Reload();
  CHECK(AllIds(*open.keys) == expected);
  CHECK(open.keys->FindAlias(kAccountA, kEast, "alias/app") == nullptr);
  CHECK(open.keys->FindAlias(kAccountA, kWest, "alias/app") != nullptr);
  CHECK(open.keys->Find(b_west[0])->grants.size() == 1);
}

TEST_CASE("DeleteAll with one filter, or none") {
  TempDir dir;
  OpenStore open(dir.path);
  KeyStore& keys = *open.keys;
  const auto a_east = Populate(keys, kAccountA, kEast);
  const auto a_west = Populate(keys, kAccountA, kWest);
  const auto b_east = Populate(keys, kAccountB, kEast);
  const auto b_west = Populate(keys, kAccountB, kWest);

  SECTION("a region alone: every account's keys there") {
    auto deleted = keys.DeleteAll({std::nullopt, kWest});
    REQUIRE(deleted.ok());
    CHECK(*deleted == 8);
    std::set<std::string> expected(a_east.begin(), a_east.end());
    expected.insert(b_east.begin(), b_east.end());
    CHECK(AllIds(keys) == expected);
    open.Reload();
    CHECK(AllIds(*open.keys) == expected);
  }
  SECTION("an account alone: its keys in every region") {
    auto deleted = keys.DeleteAll({kAccountB, std::nullopt});
    REQUIRE(deleted.ok());
    CHECK(*deleted == 8);
    std::set<std::string> expected(a_east.begin(), a_east.end());
    expected.insert(a_west.begin(), a_west.end());
    CHECK(AllIds(keys) == expected);
    open.Reload();
    CHECK(AllIds(*open.keys) == expected);
  }
  SECTION("none: everything") {
    auto deleted = keys.DeleteAll({});
    REQUIRE(deleted.ok());
    CHECK(*deleted == 16);
    CHECK(keys.size() == 0);
    CHECK(keys.ListAliases(kAccountA, kEast, "", 100).empty());
    CHECK(keys.KeysWithGrants(kEast).empty());
    REQUIRE(keys.DeleteAll({}).ok());  // nothing left: deletes nothing
    open.Reload();
    CHECK(open.keys->size() == 0);
    CHECK(open.keys->ListAliases(kAccountB, kWest, "", 100).empty());
  }
}

TEST_CASE("DeleteAll interleaves with concurrent writes; memory and storage agree") {
  TempDir dir;
  OpenStore open(dir.path, 100'000);
  KeyStore& keys = *open.keys;
  constexpr int kKeys = 200;  // several purge batches
  std::vector<KeyPtr> existing;
  for (int i = 0; i < kKeys; ++i) {
    auto key = keys.Create(Spec(kAccountA, kEast), kNow);
    REQUIRE(key.ok());
    existing.push_back(*key);
  }
  auto other = keys.Create(Spec(kAccountB, kEast), kNow);
  REQUIRE(other.ok());

  // Writers race the deletion: edits of the doomed keys (each ends done before the deletion
  // took the key, or NotFoundException), and new keys of the same scope (each either taken by
  // the deletion or left, never half).
  // (Catch2 assertions are for the main thread: the writers keep their outcomes for it.)
  std::atomic<bool> stop{false};
  std::vector<ErrorCode> edit_errors;
  std::thread editor([&] {
    for (int i = kKeys - 1; i >= 0 && !stop; --i) {
      auto edited = keys.Update(*existing[i], [](Key& k) {
        k.description = "edited";
        return Status::Ok();
      });
      if (!edited.ok()) edit_errors.push_back(edited.status().code());
    }
  });
  std::vector<std::string> created;
  std::vector<ErrorCode> create_errors;
  std::thread creator([&] {
    for (int i = 0; i < 50 && !stop; ++i) {
      auto key = keys.Create(Spec(kAccountA, kEast), kNow);
      if (key.ok()) {
        created.push_back((*key)->id);
      } else {
        create_errors.push_back(key.status().code());
      }
    }
  });
  auto deleted = keys.DeleteAll({kAccountA, kEast});
  stop = true;
  editor.join();
  creator.join();
  REQUIRE(deleted.ok());
  CHECK(create_errors.empty());
  for (ErrorCode code : edit_errors) CHECK(code == ErrorCode::kNotFound);
  CHECK(*deleted >= size_t{kKeys});
  for (const KeyPtr& key : existing) CHECK(keys.Find(key->id) == nullptr);
  const std::set<std::string> left = AllIds(keys);
  CHECK(left.contains((*other)->id));
  CHECK(left.size() == 1 + created.size() + kKeys - *deleted);
  open.Reload();
  CHECK(AllIds(*open.keys) == left);
}
