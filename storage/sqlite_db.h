// A thin RAII layer over the sqlite3 C API, for use inside storage/ only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace trent::storage {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// kInternal: `what`, then SQLite's explanation of the last failure on `db` (and the OS
// error behind it, when there is one).
Status SqliteError(sqlite3* db, std::string_view what);

// A checkpoint copies each page changed since the last one from the WAL into the database,
// with a read and a write call per page. Between checkpoints of 8000 pages (a WAL of up to
// 32 MB) instead of SQLite's 1000, the pages every commit changes (the ends of the tables and
// indexes) are copied once per 8000 pages, not once per 1000: CreateKey went from 0.35x to
// 0.52x of local-kms here (8 connections).
constexpr int kWalCheckpointPages = 8000;

// Opens, creating it if needed, the database file at `path` for reading and writing, with
// `extra_flags` (SQLITE_OPEN_*) and a busy timeout for locks other connections hold. A file
// SQLite could open only read-only is an error (it quietly falls back to read-only otherwise).
// `vfs`: the name of the VFS to open it with; nullptr: SQLite's default.
Result<SqliteDb> OpenReadWrite(const std::string& path, int extra_flags = 0,
                               const char* vfs = nullptr);

// Runs SQL text (one or more statements) that takes no parameters and returns no rows.
Status ExecSql(sqlite3* db, const char* sql);

// Prepares a statement that will be kept and reused.
Result<StmtHandle> PrepareSql(sqlite3* db, const char* sql);

// One execution of a prepared statement. Resets it (and drops its bindings) when it goes out
// of scope, so a cached statement is ready for the next use whatever happened.
class Query {
 public:
  explicit Query(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Query();
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // Parameters are numbered from 1. A failed bind is reported by the next Step or Run.
  Query& BindText(int index, std::string_view text);
  Query& BindBlob(int index, const Bytes& blob);  // an empty blob stays a blob, not NULL
  Query& BindInt(int index, int64_t value);
  Query& BindOptionalInt(int index, std::optional<int64_t> value);  // nullopt -> NULL

  // true while a row is available, false once the statement is done.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Status Run();

  // Columns of the current row, numbered from 0.
  std::string Text(int column) const;
  Bytes Blob(int column) const;
  int64_t Int(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;

 private:
  Status BindFailed() const;

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// Runs a single-row, single-column query (a PRAGMA, a count) and returns the value.
Result<int64_t> QueryInt(sqlite3* db, const char* sql);
Result<std::string> QueryText(sqlite3* db, const char* sql);

// BEGIN/COMMIT/ROLLBACK of one connection, prepared once.
struct TxStatements {
  StmtHandle begin_read;   // BEGIN: a consistent snapshot for several reads
  StmtHandle begin_write;  // BEGIN IMMEDIATE: takes the write lock up front
  StmtHandle commit;
  StmtHandle rollback;

  static Result<TxStatements> Prepare(sqlite3* db);
};

// A transaction that rolls back when it goes out of scope without a successful Commit.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };

  Transaction(sqlite3* db, const TxStatements& stmts) : db_(db), stmts_(stmts) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin(Kind kind);
  Status Commit();

 private:
  sqlite3* db_;
  const TxStatements& stmts_;
  bool open_ = false;
};

}  // namespace trent::storage
