// The WAL write batching VFS on a real SQLite file: commits of every size (beyond one system
// call's 128 KiB, beyond the held-bytes bound) are whole, in this connection, in another
// connection on SQLite's own VFS while both are open, and after a reopen; a rolled back
// transaction leaves nothing behind.
#include <catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "storage/sqlite_db.h"
#include "storage/wal_write_batching.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;
using trent::storage::ExecSql;
using trent::storage::OpenReadWrite;
using trent::storage::QueryInt;
using trent::storage::QueryText;
using trent::storage::SqliteDb;
using trent::storage::WalWriteBatchingVfs;

namespace {

SqliteDb MustOpen(const std::string& path, const char* vfs) {
  auto db = OpenReadWrite(path, 0, vfs);
  INFO(db.status().message());
  REQUIRE(db.ok());
  return std::move(*db);
}

void MustExec(sqlite3* db, const std::string& sql) {
  auto done = ExecSql(db, sql.c_str());
  INFO(sql << ": " << done.message());
  REQUIRE(done.ok());
}

// The value of a query that must succeed (storage::QueryInt, storage::QueryText).
template <typename T>
T Must(trent::Result<T> result) {
  INFO(result.status().message());
  REQUIRE(result.ok());
  return *std::move(result);
}

// Inserts `rows` rows of `size` bytes each, row i filled with the byte i % 251, in one
// transaction that commits or rolls back.
void InsertRows(sqlite3* db, int first, int rows, int size, bool commit) {
  MustExec(db, "BEGIN IMMEDIATE");
  for (int i = first; i < first + rows; ++i) {
    MustExec(db, "INSERT INTO t (id, payload) VALUES (" + std::to_string(i) + ", zeroblob(" +
                     std::to_string(size) + "))");
    MustExec(db, "UPDATE t SET payload = CAST(replace(hex(payload), '00', printf('%02X', " +
                     std::to_string(i % 251) + ")) AS BLOB) WHERE id = " + std::to_string(i));
  }
  MustExec(db, commit ? "COMMIT" : "ROLLBACK");
}

// What every committed row should hold, summed: its length and its first byte.
constexpr const char* kCheckSql =
    "SELECT count(*) || ':' || sum(length(payload)) || ':' || "
    "sum(substr(CAST(payload AS TEXT), 1, 2) = printf('%02X', id % 251)) FROM t";

// kCheckSql's answer for `rows` rows holding `bytes` bytes in all (inserted: each row's
// payload is the hex text of its zeroblob, twice as long).
std::string Expected(int64_t rows, int64_t inserted_bytes) {
  return std::to_string(rows) + ":" + std::to_string(2 * inserted_bytes) + ":" +
         std::to_string(rows);
}

}  // namespace

TEST_CASE("commits through the batching VFS are whole, seen by other connections and reopens") {
  REQUIRE(WalWriteBatchingVfs() != nullptr);
  trent::testing::TempDir dir;
  const std::string db_path = dir.File("trent.db");
  SqliteDb writer = MustOpen(db_path, WalWriteBatchingVfs());
  REQUIRE(Must(QueryText(writer.get(), "PRAGMA journal_mode = WAL")) == "wal");
  MustExec(writer.get(), "PRAGMA synchronous = FULL");
  MustExec(writer.get(), "CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");
  SqliteDb reader = MustOpen(db_path, nullptr);  // SQLite's own VFS

  // One small commit, one of about 1 MiB (many 128 KiB writes), one of about 10 MiB (beyond
  // what the VFS holds at once).
  InsertRows(writer.get(), 0, 3, 100, true);
  InsertRows(writer.get(), 100, 500, 1000, true);
  InsertRows(writer.get(), 1000, 2500, 2000, true);
  int64_t rows = 3 + 500 + 2500;
  int64_t bytes = 3 * 100 + 500 * 1000 + 2500 * 2000;
  const std::string expected = Expected(rows, bytes);
  CHECK(Must(QueryText(writer.get(), kCheckSql)) == expected);
  CHECK(Must(QueryText(reader.get(), kCheckSql)) == expected);

  // A rolled back transaction as large, then a small commit: only the commit is there.
  InsertRows(writer.get(), 10000, 2500, 2000, false);
  InsertRows(writer.get(), 20000, 1, 10, true);
  const std::string after = Expected(rows + 1, bytes + 10);
  CHECK(Must(QueryText(writer.get(), kCheckSql)) == after);
  CHECK(Must(QueryText(reader.get(), kCheckSql)) == after);

  // A checkpoint reads the WAL back through the VFS; then the WAL restarts from its start.
  CHECK(Must(QueryText(writer.get(), "PRAGMA wal_checkpoint(TRUNCATE)")).substr(0, 1) == "0");
  InsertRows(writer.get(), 30000, 200, 1000, true);

  reader = SqliteDb();
  writer = SqliteDb();
  SqliteDb reopened = MustOpen(db_path, nullptr);
  CHECK(Must(QueryText(reopened.get(), "PRAGMA integrity_check")) == "ok");
  CHECK(Must(QueryInt(reopened.get(), "SELECT count(*) FROM t")) == rows + 1 + 200);
  CHECK(Must(QueryText(reopened.get(), kCheckSql)) == Expected(rows + 1 + 200, bytes + 10 + 200 * 1000));
}
