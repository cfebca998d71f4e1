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
  trent::testing::MigrateOnlyTo(db_path, 1);
  CHECK(trent::testing::RawQuery(db_path, "SELECT count(*) FROM sqlite_master WHERE name = "
                                          "'server_meta'") == "0");
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
