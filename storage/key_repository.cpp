#include "storage/key_repository.h"

#include <mutex>
#include <unordered_map>

#include "storage/schema.h"
#include "storage/sqlite_db.h"

namespace trent::storage {
namespace {

// How long a call waits for another process's write lock before failing.
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kInsertKeySql =
    "INSERT INTO keys (key_id, account, region, created_at_ms, description, key_usage, key_spec,"
    " origin, key_manager, multi_region, key_state, deletion_date_ms, pending_window_days,"
    " policy, current_version_id)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
constexpr const char* kInsertVersionSql =
    "INSERT INTO key_versions (version_id, key_id, created_at_ms, wrapped_material,"
    " key_material_id) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kInsertTagSql =
    "INSERT INTO tags (key_id, tag_key, tag_value) VALUES (?1, ?2, ?3)";
// The same columns, in the same order, as kInsertKeySql: one binding serves both.
constexpr const char* kUpdateKeySql =
    "UPDATE keys SET account = ?2, region = ?3, created_at_ms = ?4, description = ?5,"
    " key_usage = ?6, key_spec = ?7, origin = ?8, key_manager = ?9, multi_region = ?10,"
    " key_state = ?11, deletion_date_ms = ?12, pending_window_days = ?13, policy = ?14,"
    " current_version_id = ?15 WHERE key_id = ?1";
constexpr const char* kDeleteTagsSql = "DELETE FROM tags WHERE key_id = ?1";
constexpr const char* kDeleteKeySql = "DELETE FROM keys WHERE key_id = ?1";
constexpr const char* kSelectKeysSql =
    "SELECT seq, key_id, account, region, created_at_ms, description, key_usage, key_spec,"
    " origin, key_manager, multi_region, key_state, deletion_date_ms, pending_window_days,"
    " policy, current_version_id FROM keys ORDER BY seq";
constexpr const char* kSelectVersionsSql =
    "SELECT version_id, key_id, created_at_ms, wrapped_material, key_material_id"
    " FROM key_versions ORDER BY created_at_ms, rowid";
constexpr const char* kSelectTagsSql =
    "SELECT key_id, tag_key, tag_value FROM tags ORDER BY rowid";
// Moves everything into the main file and empties the WAL, so that old WAL frames holding
// deleted material do not linger.
constexpr const char* kCheckpointSql = "PRAGMA wal_checkpoint(TRUNCATE)";

class SqliteKeyRepository final : public KeyRepository {
 public:
  Status Init(const std::string& path);

  Result<std::vector<KeyRow>> LoadAll() override;
  Status Apply(std::vector<KeyWrite>& writes) override;

 private:
  Status Configure();
  Status ApplyInTransaction(std::vector<KeyWrite>& writes);
  Status Insert(KeyRow& key);
  Status Update(const KeyWrite& write);
  Status Delete(const std::string& key_id);
  Status InsertVersions(const KeyRow& key);
  Status InsertTags(const KeyRow& key);

  std::mutex mu_;
  // Declared before the statements: they are finalized before the connection closes.
  SqliteDb db_;
  TxStatements tx_;
  StmtHandle insert_key_;
  StmtHandle insert_version_;
  StmtHandle insert_tag_;
  StmtHandle update_key_;
  StmtHandle delete_tags_;
  StmtHandle delete_key_;
  StmtHandle select_keys_;
  StmtHandle select_versions_;
  StmtHandle select_tags_;
  StmtHandle checkpoint_;
};

Status SqliteKeyRepository::Init(const std::string& path) {
  sqlite3* raw = nullptr;
  // Calls are serialised by mu_, so SQLite's own connection mutex is not needed.
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  db_.reset(raw);  // closed on every path, even when the open failed
  if (rc != SQLITE_OK) return SqliteError(raw, "open");
  // SQLite quietly falls back to read-only when the file is not writable.
  if (sqlite3_db_readonly(raw, "main") == 1) return InternalError("the file is not writable");
  TRY_STATUS(Configure());
  TRY(tx_, TxStatements::Prepare(raw));
  TRY_STATUS(MigrateSchema(raw, tx_));
  TRY(insert_key_, PrepareSql(raw, kInsertKeySql));
  TRY(insert_version_, PrepareSql(raw, kInsertVersionSql));
  TRY(insert_tag_, PrepareSql(raw, kInsertTagSql));
  TRY(update_key_, PrepareSql(raw, kUpdateKeySql));
  TRY(delete_tags_, PrepareSql(raw, kDeleteTagsSql));
  TRY(delete_key_, PrepareSql(raw, kDeleteKeySql));
  TRY(select_keys_, PrepareSql(raw, kSelectKeysSql));
  TRY(select_versions_, PrepareSql(raw, kSelectVersionsSql));
  TRY(select_tags_, PrepareSql(raw, kSelectTagsSql));
  TRY(checkpoint_, PrepareSql(raw, kCheckpointSql));
  return Status::Ok();
}

Status SqliteKeyRepository::Configure() {
  sqlite3* db = db_.get();
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // The first statement that reads the file: a file that is not a database fails here.
  TRY(std::string mode, QueryText(db, "PRAGMA journal_mode = WAL"));
  if (mode != "wal") return InternalError("cannot use WAL journal mode (got '" + mode + "')");
  // FULL: in WAL mode every commit is fsynced before it returns, so what we acknowledged
  // survives a crash. secure_delete overwrites deleted content (wrapped material) with zeros.
  TRY_STATUS(ExecSql(db,
                     "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                     " PRAGMA secure_delete = ON;"));
  // These pragmas are silently ignored when unsupported; the cascades rely on them.
  TRY(int64_t foreign_keys, QueryInt(db, "PRAGMA foreign_keys"));
  TRY(int64_t secure_delete, QueryInt(db, "PRAGMA secure_delete"));
  if (foreign_keys != 1 || secure_delete != 1) {
    return InternalError("this SQLite does not support foreign keys or secure_delete");
  }
  return Status::Ok();
}

Result<std::vector<KeyRow>> SqliteKeyRepository::LoadAll() {
  std::lock_guard lock(mu_);
  sqlite3* db = db_.get();
  Transaction tx(db, tx_);  // one snapshot for the three reads
  TRY_STATUS(tx.Begin(Transaction::Kind::kRead));

  std::vector<KeyRow> keys;
  std::unordered_map<std::string, size_t> index_of;
  {
    Query q(select_keys_.get());
    while (true) {
      TRY(bool row, q.Step());
      if (!row) break;
      KeyRow k;
      k.seq = q.Int(0);
      k.key_id = q.Text(1);
      k.account = q.Text(2);
      k.region = q.Text(3);
      k.created_at_ms = q.Int(4);
      k.description = q.Text(5);
      k.key_usage = q.Text(6);
      k.key_spec = q.Text(7);
      k.origin = q.Text(8);
      k.key_manager = q.Text(9);
      k.multi_region = q.Int(10) != 0;
      k.key_state = q.Text(11);
      k.deletion_date_ms = q.OptionalInt(12);
      if (auto days = q.OptionalInt(13)) k.pending_window_days = static_cast<int32_t>(*days);
      k.policy = q.Text(14);
      k.current_version_id = q.Blob(15);
      index_of.emplace(k.key_id, keys.size());
      keys.push_back(std::move(k));
    }
  }
  {
    // Ordered globally by (created_at_ms, rowid), hence also within each key.
    Query q(select_versions_.get());
    while (true) {
      TRY(bool row, q.Step());
      if (!row) break;
      KeyVersionRow v;
      v.version_id = q.Blob(0);
      v.key_id = q.Text(1);
      v.created_at_ms = q.Int(2);
      v.wrapped_material = q.Blob(3);
      v.key_material_id = q.Text(4);
      auto owner = index_of.find(v.key_id);
      if (owner == index_of.end()) return InternalError("key version of unknown key " + v.key_id);
      keys[owner->second].versions.push_back(std::move(v));
    }
  }
  {
    Query q(select_tags_.get());
    while (true) {
      TRY(bool row, q.Step());
      if (!row) break;
      auto owner = index_of.find(q.Text(0));
      if (owner == index_of.end()) return InternalError("tag of unknown key " + q.Text(0));
      keys[owner->second].tags.push_back(TagRow{q.Text(1), q.Text(2)});
    }
  }
  TRY_STATUS(tx.Commit());
  return keys;
}

// Binds the key's columns as numbered in kInsertKeySql and kUpdateKeySql.
void BindKeyColumns(Query& q, const KeyRow& key) {
  q.BindText(1, key.key_id)
      .BindText(2, key.account)
      .BindText(3, key.region)
      .BindInt(4, key.created_at_ms)
      .BindText(5, key.description)
      .BindText(6, key.key_usage)
      .BindText(7, key.key_spec)
      .BindText(8, key.origin)
      .BindText(9, key.key_manager)
      .BindInt(10, key.multi_region ? 1 : 0)
      .BindText(11, key.key_state)
      .BindOptionalInt(12, key.deletion_date_ms)
      .BindOptionalInt(13, key.pending_window_days)
      .BindText(14, key.policy)
      .BindBlob(15, key.current_version_id);
}

Status NoSuchKey(const std::string& key_id) {
  return NotFoundError("Key '" + key_id + "' does not exist");
}

Status SqliteKeyRepository::Apply(std::vector<KeyWrite>& writes) {
  std::lock_guard lock(mu_);
  Status applied = ApplyInTransaction(writes);
  if (!applied.ok()) {
    if (applied.code() == ErrorCode::kNotFound) return applied;
    return InternalError("storing " + std::to_string(writes.size()) +
                         " key change(s): " + applied.message());
  }
  bool deleted = false;
  for (const KeyWrite& w : writes) deleted = deleted || w.kind == KeyWrite::Kind::kDelete;
  if (deleted) {
    // The deletion is committed; a checkpoint that cannot complete now (another process
    // reading) only leaves old frames until a later one, so its outcome is not an error.
    Query checkpoint(checkpoint_.get());
    (void)checkpoint.Step();
  }
  return Status::Ok();
}

Status SqliteKeyRepository::ApplyInTransaction(std::vector<KeyWrite>& writes) {
  Transaction tx(db_.get(), tx_);
  TRY_STATUS(tx.Begin(Transaction::Kind::kWrite));
  for (KeyWrite& w : writes) {
    switch (w.kind) {
      case KeyWrite::Kind::kInsert: TRY_STATUS(Insert(w.key)); break;
      case KeyWrite::Kind::kUpdate: TRY_STATUS(Update(w)); break;
      case KeyWrite::Kind::kDelete: TRY_STATUS(Delete(w.key.key_id)); break;
    }
  }
  return tx.Commit();
}

Status SqliteKeyRepository::Insert(KeyRow& key) {
  {
    Query q(insert_key_.get());
    BindKeyColumns(q, key);
    Status inserted = q.Run();
    if (!inserted.ok()) return InternalError("key " + key.key_id + ": " + inserted.message());
  }
  key.seq = sqlite3_last_insert_rowid(db_.get());
  TRY_STATUS(InsertVersions(key));
  return InsertTags(key);
}

Status SqliteKeyRepository::Update(const KeyWrite& write) {
  const KeyRow& key = write.key;
  {
    Query q(update_key_.get());
    BindKeyColumns(q, key);
    TRY_STATUS(q.Run());
  }
  if (sqlite3_changes(db_.get()) == 0) return NoSuchKey(key.key_id);
  TRY_STATUS(InsertVersions(key));
  if (!write.replace_tags) return Status::Ok();
  {
    Query q(delete_tags_.get());
    q.BindText(1, key.key_id);
    TRY_STATUS(q.Run());
  }
  return InsertTags(key);
}

Status SqliteKeyRepository::Delete(const std::string& key_id) {
  Query q(delete_key_.get());
  q.BindText(1, key_id);
  TRY_STATUS(q.Run());  // versions and tags go with it (ON DELETE CASCADE)
  if (sqlite3_changes(db_.get()) == 0) return NoSuchKey(key_id);
  return Status::Ok();
}

Status SqliteKeyRepository::InsertVersions(const KeyRow& key) {
  for (const KeyVersionRow& v : key.versions) {
    if (!v.key_id.empty() && v.key_id != key.key_id) {
      return InternalError("version of key " + key.key_id + " belongs to key " + v.key_id);
    }
    Query q(insert_version_.get());
    q.BindBlob(1, v.version_id)
        .BindText(2, key.key_id)
        .BindInt(3, v.created_at_ms)
        .BindBlob(4, v.wrapped_material)
        .BindText(5, v.key_material_id);
    TRY_STATUS(q.Run());
  }
  return Status::Ok();
}

Status SqliteKeyRepository::InsertTags(const KeyRow& key) {
  for (const TagRow& t : key.tags) {
    Query q(insert_tag_.get());
    q.BindText(1, key.key_id).BindText(2, t.key).BindText(3, t.value);
    TRY_STATUS(q.Run());
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<KeyRepository>> KeyRepository::Open(const std::string& path) {
  auto repo = std::make_unique<SqliteKeyRepository>();
  Status st = repo->Init(path);
  if (!st.ok()) {
    return InternalError("cannot open key database '" + path + "': " + st.message());
  }
  return std::unique_ptr<KeyRepository>(std::move(repo));
}

}  // namespace trent::storage
