#include "storage/usage_repository.h"

#include "storage/schema.h"
#include "storage/sqlite_db.h"

namespace trent::storage {
namespace {

// How long a flush waits for a key write's lock before failing (it is retried next time).

// Written by the migration that created key_last_usage (schema.cpp).
constexpr const char* kSelectTrackingStartSql =
    "SELECT value FROM server_meta WHERE name = 'last_usage_tracking_start_ms'";
constexpr const char* kSelectUsageSql =
    "SELECT k.key_id, u.key_seq, u.operation, u.used_at_ms, u.request_id"
    " FROM key_last_usage u JOIN keys k ON k.seq = u.key_seq";
// Only for a key still stored (the seq ?1 of the id ?5): the key may have been deleted since
// its last use.
constexpr const char* kSaveUsageSql =
    "INSERT INTO key_last_usage (key_seq, operation, used_at_ms, request_id)"
    " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM keys WHERE seq = ?1 AND key_id = ?5)"
    " ON CONFLICT (key_seq) DO UPDATE SET operation = excluded.operation,"
    " used_at_ms = excluded.used_at_ms, request_id = excluded.request_id";

class SqliteUsageRepository final : public UsageRepository {
 public:
  Status Init(const std::string& path) {
    TRY(db_, OpenReadWrite(path));
    sqlite3* raw = db_.get();
    // Last usage may lose the last flush in a power loss, never in a crash of the process.
    TRY_STATUS(ExecSql(raw, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"));
    TRY(tx_, TxStatements::Prepare(raw));
    TRY_STATUS(MigrateSchema(raw, tx_));
    TRY(select_tracking_start_, PrepareSql(raw, kSelectTrackingStartSql));
    TRY(select_usage_, PrepareSql(raw, kSelectUsageSql));
    TRY(save_usage_, PrepareSql(raw, kSaveUsageSql));
    return Status::Ok();
  }

  Result<int64_t> TrackingStartMs() override {
    Query q(select_tracking_start_.get());
    TRY(bool row, q.Step());
    if (!row) return InternalError("the database does not say when usage tracking began");
    return q.Int(0);
  }

  Status LoadAll(const std::function<void(UsageRow&)>& each) override {
    Query q(select_usage_.get());
    while (true) {
      TRY(bool row, q.Step());
      if (!row) return Status::Ok();
      UsageRow usage{q.Text(0), q.Int(1), q.Text(2), q.Int(3), q.Text(4)};
      each(usage);
    }
  }

  Status Save(const std::vector<UsageRow>& rows) override {
    Transaction tx(db_.get(), tx_);
    TRY_STATUS(tx.Begin(Transaction::Kind::kWrite));
    for (const UsageRow& r : rows) {
      Query q(save_usage_.get());
      q.BindInt(1, r.key_seq)
          .BindText(2, r.operation)
          .BindInt(3, r.used_at_ms)
          .BindText(4, r.request_id)
          .BindText(5, r.key_id);
      TRY_STATUS(q.Run());
    }
    return tx.Commit();
  }

 private:
  // Declared before the statements: they are finalized before the connection closes.
  SqliteDb db_;
  TxStatements tx_;
  StmtHandle select_tracking_start_;
  StmtHandle select_usage_;
  StmtHandle save_usage_;
};

}  // namespace

Result<std::unique_ptr<UsageRepository>> UsageRepository::Open(const std::string& path) {
  auto repo = std::make_unique<SqliteUsageRepository>();
  const Status st = repo->Init(path);
  if (!st.ok()) return InternalError("cannot open database '" + path + "': " + st.message());
  return std::unique_ptr<UsageRepository>(std::move(repo));
}

}  // namespace trent::storage
