// MetaRepository on a real SQLite file: the domain key check is recorded once and survives a
// reopen, and key material from KeyRepository's tables can stand in for it.
#include <catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "storage/key_repository.h"
#include "storage/meta_repository.h"
#include "tests/unit/raw_sqlite.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;
using trent::Bytes;
using trent::storage::KeyRepository;
using trent::storage::KeyRow;
using trent::storage::KeyVersionRow;
using trent::storage::KeyWrite;
using trent::Status;
using trent::storage::MetaRepository;
using trent::testing::RawExec;

namespace {

std::unique_ptr<MetaRepository> MustOpen(const std::string& path) {
  auto meta = MetaRepository::Open(path);
  INFO(meta.status().message());
  REQUIRE(meta.ok());
  return std::move(meta).value();
}

}  // namespace

TEST_CASE("the domain key check is recorded once and kept") {
  trent::testing::TempDir dir;
  const std::string db_path = dir.File("trent.db");
  const Bytes check(40, 0xab);
  {
    auto meta = MustOpen(db_path);
    auto none = meta->DomainKeyCheck();
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    REQUIRE(meta->RecordDomainKeyCheck(check).ok());
    const auto again = meta->RecordDomainKeyCheck(Bytes(40, 0xcd));
    CHECK_FALSE(again.ok());
  }
  auto meta = MustOpen(db_path);
  auto kept = meta->DomainKeyCheck();
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK(**kept == check);
}

TEST_CASE("some key's wrapped material, once the database holds a key") {
  trent::testing::TempDir dir;
  const std::string db_path = dir.File("trent.db");
  auto meta = MustOpen(db_path);
  auto none = meta->SomeWrappedKeyMaterial();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  auto keys = KeyRepository::Open(db_path);
  REQUIRE(keys.ok());
  KeyRow key;
  key.key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
  key.account = "111122223333";
  key.region = "us-east-1";
  key.key_state = "Enabled";
  key.current_version_id = Bytes(16, 7);
  KeyVersionRow version;
  version.version_id = key.current_version_id;
  version.wrapped_material = Bytes(40, 0x5a);
  version.key_material_id = std::string(64, 'a');
  key.versions.push_back(version);
  std::vector<KeyWrite> writes{{KeyWrite::Kind::kInsert, key}};
  Status inserted = (*keys)->Apply(writes);
  INFO(inserted.message());
  REQUIRE(inserted.ok());

  auto some = meta->SomeWrappedKeyMaterial();
  REQUIRE(some.ok());
  REQUIRE(some->has_value());
  CHECK(**some == version.wrapped_material);
}

TEST_CASE("a database of schema version 1 gains the server_meta table") {
  trent::testing::TempDir dir;
  const std::string db_path = dir.File("trent.db");
  MustOpen(db_path);
  // Back to version 1: without what the later migrations added (each new migration adds its
  // undoing here).
  RawExec(db_path, R"sql(
    DROP TABLE key_last_usage; DROP TABLE grant_constraint_pairs; DROP TABLE grants;
    DROP TABLE aliases; DROP TABLE server_meta; DROP TABLE tags; DROP TABLE key_versions;
    DROP TABLE keys;
    CREATE TABLE keys (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, key_id TEXT NOT NULL UNIQUE,
      account TEXT NOT NULL, region TEXT NOT NULL, created_at_ms INTEGER NOT NULL,
      description TEXT NOT NULL, key_usage TEXT NOT NULL, key_spec TEXT NOT NULL,
      origin TEXT NOT NULL, key_manager TEXT NOT NULL,
      multi_region INTEGER NOT NULL CHECK (multi_region IN (0, 1)), key_state TEXT NOT NULL,
      deletion_date_ms INTEGER, pending_window_days INTEGER, policy TEXT NOT NULL,
      current_version_id BLOB NOT NULL);
    CREATE TABLE key_versions (
      version_id BLOB PRIMARY KEY,
      key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
      created_at_ms INTEGER NOT NULL, wrapped_material BLOB NOT NULL,
      key_material_id TEXT NOT NULL);
    CREATE INDEX key_versions_by_key ON key_versions (key_id, created_at_ms);
    CREATE TABLE tags (
      key_id TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
      tag_key TEXT NOT NULL, tag_value TEXT NOT NULL, PRIMARY KEY (key_id, tag_key));
    PRAGMA user_version = 1;
  )sql");
  auto meta = MustOpen(db_path);
  CHECK(meta->RecordDomainKeyCheck(Bytes(40, 1)).ok());
}

TEST_CASE("Open names the file it cannot use") {
  trent::testing::TempDir dir;
  const std::string db_path = dir.File("trent.db");
  const std::string path = (dir.path / "no-such-dir" / "trent.db").string();
  auto meta = MetaRepository::Open(path);
  REQUIRE_FALSE(meta.ok());
  CHECK(meta.status().message().find(path) != std::string::npos);
}
