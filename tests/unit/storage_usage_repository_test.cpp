// UsageRepository on a real SQLite file: tracking starts at the migration, rows replace their
// key's row, survive a reopen, go with their key, and a row of a key no longer stored is skipped.
#include <catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/key_repository.h"
#include "storage/usage_repository.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;
using namespace trent;
using namespace trent::storage;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The key's seq.
int64_t InsertKey(KeyRepository& keys, const std::string& key_id, uint8_t version) {
  KeyRow key;
  key.key_id = key_id;
  key.account = "111122223333";
  key.region = "us-east-1";
  key.key_state = "Enabled";
  key.current_version_id = Bytes(16, version);
  KeyVersionRow v;
  v.version_id = key.current_version_id;
  v.wrapped_material = Bytes(40, 0x5a);
  v.key_material_id = std::string(64, 'a');
  key.versions.push_back(v);
  std::vector<KeyWrite> writes{{KeyWrite::Kind::kInsert, key}};
  REQUIRE(keys.Apply(writes).ok());
  return writes[0].key.seq;
}

std::vector<UsageRow> Loaded(UsageRepository& repo) {
  std::vector<UsageRow> rows;
  REQUIRE(repo.LoadAll([&](UsageRow& row) { rows.push_back(row); }).ok());
  return rows;
}

}  // namespace

TEST_CASE("usage rows are stored, replaced, kept and go with their key") {
  trent::testing::TempDir dir;
  const std::string db_path = dir.File("trent.db");
  const int64_t before = NowMs();
  auto keys = KeyRepository::Open(db_path);
  REQUIRE(keys.ok());
  const int64_t a = InsertKey(**keys, "key-a", 1);
  const int64_t b = InsertKey(**keys, "key-b", 2);
  {
    auto repo = UsageRepository::Open(db_path);
    REQUIRE(repo.ok());
    auto start = (*repo)->TrackingStartMs();
    REQUIRE(start.ok());
    // The migration's clock has whole seconds.
    CHECK(*start >= before / 1000 * 1000);
    CHECK(*start <= NowMs());
    CHECK(Loaded(**repo).empty());

    // Skipped: a key that is not stored, and a seq that is not the id's.
    REQUIRE((*repo)->Save({{"key-a", a, "Encrypt", 10, "r1"},
                           {"gone", b + 1, "Decrypt", 11, "r2"},
                           {"key-a", a, "Decrypt", 12, "r3"},
                           {"key-b", b, "ReEncrypt", 13, "r4"},
                           {"key-b", a, "Sign", 14, "r5"}})
                .ok());
  }
  auto repo = UsageRepository::Open(db_path);
  REQUIRE(repo.ok());
  std::vector<UsageRow> rows = Loaded(**repo);
  REQUIRE(rows.size() == 2);
  for (const UsageRow& row : rows) {
    if (row.key_id == "key-a") {
      CHECK(row.key_seq == a);
      CHECK((row.operation == "Decrypt" && row.used_at_ms == 12 && row.request_id == "r3"));
    } else {
      CHECK((row.key_id == "key-b" && row.operation == "ReEncrypt" && row.request_id == "r4"));
    }
  }
  std::vector<KeyWrite> deletion(1);
  deletion[0].kind = KeyWrite::Kind::kDelete;
  deletion[0].key.key_id = "key-a";
  deletion[0].key.seq = a;
  REQUIRE((*keys)->Apply(deletion).ok());
  rows = Loaded(**repo);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].key_id == "key-b");
}
