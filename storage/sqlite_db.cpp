#include "storage/sqlite_db.h"

#include <cstring>

namespace trent::storage {

Status SqliteError(sqlite3* db, std::string_view what) {
  std::string message(what);
  if (db == nullptr) return InternalError(message + ": out of memory");
  message += ": ";
  message += sqlite3_errmsg(db);
  // For open and I/O failures the OS error says what is really wrong ("Is a directory", ...).
  int primary = sqlite3_extended_errcode(db) & 0xff;
  int os_errno = sqlite3_system_errno(db);
  if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_READONLY) &&
      os_errno != 0) {
    message += " (";
    message += std::strerror(os_errno);
    message += ")";
  }
  return InternalError(std::move(message));
}

Result<SqliteDb> OpenReadWrite(const std::string& path, int extra_flags, const char* vfs) {
  // How long a connection waits for a lock another connection (of this process) holds.
  constexpr int kBusyTimeoutMs = 5000;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | extra_flags, vfs);
  SqliteDb db(raw);  // closed on every path, even when the open failed
  if (rc != SQLITE_OK) return SqliteError(raw, "open");
  if (sqlite3_db_readonly(raw, "main") == 1) return InternalError("the file is not writable");
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // Every connection has the same setting: the one whose commit passes it checkpoints. (The key
  // repository's writer hands its checkpoints to a thread, see wal_checkpointer.h; deletions
  // still checkpoint at once, see key_repository.cpp.)
  sqlite3_wal_autocheckpoint(raw, kWalCheckpointPages);
  return db;
}

Status ExecSql(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return SqliteError(db, "sqlite");
  }
  return Status::Ok();
}

Result<StmtHandle> PrepareSql(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    return SqliteError(db, std::string("preparing \"") + sql + "\"");
  }
  return StmtHandle(stmt);
}

Query::~Query() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Query& Query::BindText(int index, std::string_view text) {
  // A default string_view has a null data(), which SQLite would bind as NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::BindBlob(int index, const Bytes& blob) {
  int rc = blob.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                        : sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(),
                                              SQLITE_TRANSIENT);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::BindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Query& Query::BindOptionalInt(int index, std::optional<int64_t> value) {
  if (value) return BindInt(index, *value);
  int rc = sqlite3_bind_null(stmt_, index);
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  return *this;
}

Status Query::BindFailed() const {
  return InternalError(std::string("sqlite: binding a parameter of \"") + sqlite3_sql(stmt_) +
                       "\": " + sqlite3_errstr(bind_rc_));
}

Result<bool> Query::Step() {
  if (bind_rc_ != SQLITE_OK) return BindFailed();
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), "sqlite");
}

Status Query::Run() {
  TRY(bool row, Step());
  if (row) {
    return InternalError(std::string("sqlite: unexpected row from \"") + sqlite3_sql(stmt_) +
                         "\"");
  }
  return Status::Ok();
}

std::string Query::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

Bytes Query::Blob(int column) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  if (p == nullptr) return {};  // NULL or a zero-length blob
  return Bytes(p, p + sqlite3_column_bytes(stmt_, column));
}

int64_t Query::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> Query::OptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return Int(column);
}

namespace {

Status ExpectRow(Query& query, const char* sql) {
  TRY(bool row, query.Step());
  if (!row) return InternalError(std::string("sqlite: no result from \"") + sql + "\"");
  return Status::Ok();
}

}  // namespace

Result<int64_t> QueryInt(sqlite3* db, const char* sql) {
  TRY(StmtHandle stmt, PrepareSql(db, sql));
  Query query(stmt.get());
  TRY_STATUS(ExpectRow(query, sql));
  return query.Int(0);
}

Result<std::string> QueryText(sqlite3* db, const char* sql) {
  TRY(StmtHandle stmt, PrepareSql(db, sql));
  Query query(stmt.get());
  TRY_STATUS(ExpectRow(query, sql));
  return query.Text(0);
}

Result<TxStatements> TxStatements::Prepare(sqlite3* db) {
  TxStatements tx;
  TRY(tx.begin_read, PrepareSql(db, "BEGIN"));
  TRY(tx.begin_write, PrepareSql(db, "BEGIN IMMEDIATE"));
  TRY(tx.commit, PrepareSql(db, "COMMIT"));
  TRY(tx.rollback, PrepareSql(db, "ROLLBACK"));
  return tx;
}

Transaction::~Transaction() {
  // Some errors (a full disk, an I/O error) already rolled the transaction back.
  if (open_ && sqlite3_get_autocommit(db_) == 0) {
    Query rollback(stmts_.rollback.get());
    (void)rollback.Run();  // if even this fails, closing the connection rolls back
  }
}

Status Transaction::Begin(Kind kind) {
  Query begin(kind == Kind::kWrite ? stmts_.begin_write.get() : stmts_.begin_read.get());
  TRY_STATUS(begin.Run());
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  Query commit(stmts_.commit.get());
  TRY_STATUS(commit.Run());
  open_ = false;
  return Status::Ok();
}

}  // namespace trent::storage
