// The key store's reader indexes (by key id, by version id, in seq order) as keys are edited,
// deleted and reloaded, against a real SoftHSM token and a real SQLite file.
#include <catch.hpp>


#include <filesystem>
#include <string>
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
constexpr int64_t kQuota = 1000;
constexpr const char* kAccount = "111122223333";
constexpr const char* kRegion = "us-east-1";

using testing::TempDir;

using testing::OpenStore;

std::string CreateKey(KeyStore& keys) {
  NewKeySpec spec;
  spec.account = kAccount;
  spec.region = kRegion;
  auto key = keys.Create(spec, 0);
  REQUIRE(key.ok());
  return (*key)->id;
}

// Every key of the account and region, paging `page` keys at a time.
std::vector<std::string> ListAll(const KeyStore& keys, size_t page) {
  std::vector<std::string> ids;
  int64_t after = 0;
  while (true) {
    auto got = keys.List(kAccount, kRegion, after, page);
    for (const KeyPtr& key : got) ids.push_back(key->id);
    if (got.size() < page) return ids;
    after = got.back()->seq;
  }
}

// Schedules the deletion of the keys `ids` and purges them.
void DeleteKeys(KeyStore& keys, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    KeyPtr key = keys.Find(id);
    REQUIRE(key);
    auto pending = keys.Update(*key, [](Key& k) { return ScheduleDeletion(k, kDay, 7); });
    REQUIRE(pending.ok());
  }
  auto purged = keys.PurgeExpired(kDay);
  REQUIRE(purged.ok());
  CHECK(*purged == ids.size());
}

}  // namespace

TEST_CASE("a key and each of its versions find the key as the last change left it") {
  TempDir dir;
  OpenStore open(dir.path);
  KeyStore& keys = *open.keys;
  std::string id = CreateKey(keys);
  std::string version_id(keys.Find(id)->current_version().id_view());

  REQUIRE(keys.Update(*keys.Find(id), Disable).ok());
  // Nothing else holds the first snapshot now: the indexes must not refer to it any more.
  KeyPtr by_id = keys.Find(id);
  KeyPtr by_version = keys.FindByVersion(version_id);
  REQUIRE(by_id);
  CHECK(by_id->state == KeyState::kDisabled);
  CHECK(by_version == by_id);

  REQUIRE(keys.Update(*by_id, Enable).ok());
  CHECK(keys.FindByVersion(version_id)->state == KeyState::kEnabled);
  CHECK(keys.Find(id) == keys.FindByVersion(version_id));

  open.Reload();
  CHECK(open.keys->FindByVersion(version_id) == open.keys->Find(id));
  CHECK(open.keys->FindByVersion(std::string(KeyVersion::kIdSize, '\0')) == nullptr);
  CHECK(open.keys->Find("no-such-key") == nullptr);
}

TEST_CASE("listing skips deleted keys and keeps creation order, across compactions and reloads") {
  TempDir dir;
  OpenStore open(dir.path);
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(CreateKey(*open.keys));
  std::vector<std::string> version_ids;
  for (const std::string& id : ids) {
    version_ids.emplace_back(open.keys->Find(id)->current_version().id_view());
  }

  // Two of eight deleted: their places stay as holes.
  DeleteKeys(*open.keys, {ids[1], ids[4]});
  std::vector<std::string> want = {ids[0], ids[2], ids[3], ids[5], ids[6], ids[7]};
  CHECK(ListAll(*open.keys, 2) == want);
  CHECK(ListAll(*open.keys, 100) == want);
  CHECK(open.keys->Find(ids[1]) == nullptr);
  CHECK(open.keys->FindByVersion(version_ids[4]) == nullptr);

  // Three more: holes outnumber the keys, and are compacted away.
  DeleteKeys(*open.keys, {ids[0], ids[3], ids[6]});
  want = {ids[2], ids[5], ids[7]};
  CHECK(ListAll(*open.keys, 1) == want);

  // New keys come after the survivors, and a reload sees the same.
  want.push_back(CreateKey(*open.keys));
  want.push_back(CreateKey(*open.keys));
  CHECK(ListAll(*open.keys, 2) == want);
  open.Reload();
  CHECK(ListAll(*open.keys, 2) == want);
  for (size_t i : {2, 5, 7}) CHECK(open.keys->FindByVersion(version_ids[i])->id == ids[i]);
}
