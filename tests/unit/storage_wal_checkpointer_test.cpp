// The WAL checkpointer on a real SQLite file: commits past its threshold wake its thread, which
// checkpoints while the writer goes on; past the inline threshold the writer checkpoints itself;
// either way every committed row is there, whole, after everything is closed.
#include <catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "storage/sqlite_db.h"
#include "storage/wal_checkpointer.h"
#include "tests/unit/temp_dir.h"

using trent::storage::ExecSql;
using trent::storage::OpenReadWrite;
using trent::storage::QueryInt;
using trent::storage::QueryText;
using trent::storage::SqliteDb;
using trent::storage::WalCheckpointer;
using trent::testing::TempDir;

namespace {

struct Writer {
  explicit Writer(const std::string& path) : path(path) {
    auto opened = OpenReadWrite(path);
    REQUIRE(opened.ok());
    db = std::move(*opened);
    REQUIRE(ExecSql(db.get(), "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                              " CREATE TABLE t (n INTEGER PRIMARY KEY, payload BLOB)").ok());
  }
  // One transaction per row: a page or two of WAL each.
  void Commit(int rows) {
    for (int i = 0; i < rows; ++i) {
      REQUIRE(ExecSql(db.get(), "INSERT INTO t (payload) VALUES (randomblob(3000))").ok());
    }
  }
  // A checkpointer for this writer (declared after the writer, it goes before the writer closes).
  std::unique_ptr<WalCheckpointer> StartCheckpointer(WalCheckpointer::Thresholds thresholds) {
    auto started = WalCheckpointer::Start(path, db.get(), thresholds);
    REQUIRE(started.ok());
    return std::move(*started);
  }
  std::string path;
  SqliteDb db;
};

template <typename Predicate>
bool Eventually(Predicate done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void CheckAllThere(const std::string& path, int64_t rows) {
  auto reopened = OpenReadWrite(path);
  REQUIRE(reopened.ok());
  auto count = QueryInt(reopened->get(), "SELECT count(*) FROM t");
  REQUIRE(count.ok());
  CHECK(*count == rows);
  auto integrity = QueryText(reopened->get(), "PRAGMA integrity_check");
  REQUIRE(integrity.ok());
  CHECK(*integrity == "ok");
}

}  // namespace

TEST_CASE("commits past the threshold are checkpointed on the thread, and the WAL starts over") {
  TempDir dir;
  const std::string path = (dir.path / "wal.db").string();
  {
    Writer writer(path);
    auto checkpointer =
        writer.StartCheckpointer({.background_pages = 40, .inline_pages = 1000000});
    writer.Commit(60);
    CHECK(Eventually([&] { return checkpointer->background_checkpoints() > 0; }));
    // The writer goes on while the thread copies, and copies the thread's last few frames
    // itself: the WAL starts over rather than grow with every commit (260 commits of a row of
    // 3000 bytes would make a WAL of over 3 MB).
    writer.Commit(200);
    CHECK(checkpointer->background_checkpoints() > 1);
    CHECK(checkpointer->inline_checkpoints() > 0);
    CHECK(std::filesystem::file_size(path + "-wal") < 1500000);
  }
  CheckAllThere(path, 260);
}

TEST_CASE("past the inline threshold the writer checkpoints itself") {
  TempDir dir;
  const std::string path = (dir.path / "wal.db").string();
  {
    Writer writer(path);
    auto checkpointer =
        writer.StartCheckpointer({.background_pages = 1000000, .inline_pages = 40});
    writer.Commit(100);
    CHECK(checkpointer->inline_checkpoints() > 0);
    CHECK(checkpointer->background_checkpoints() == 0);
  }
  CheckAllThere(path, 100);
}

TEST_CASE("a checkpointer that goes leaves the writer checkpointing nothing itself") {
  TempDir dir;
  const std::string path = (dir.path / "wal.db").string();
  Writer writer(path);
  writer.StartCheckpointer({.background_pages = 40, .inline_pages = 80});
  // The hook is gone with it: these commits call nothing freed.
  writer.Commit(100);
  auto count = QueryInt(writer.db.get(), "SELECT count(*) FROM t");
  REQUIRE(count.ok());
  CHECK(*count == 100);
}
