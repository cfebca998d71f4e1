#include "storage/key_repository.h"

#include <mutex>
#include <optional>
#include <unordered_map>

#include "storage/schema.h"
#include "storage/sqlite_db.h"
#include "storage/wal_checkpointer.h"
#include "storage/wal_write_batching.h"

namespace trent::storage {
namespace {

// How long a call waits for another process's write lock before failing.

constexpr const char* kInsertKeySql =
    "INSERT INTO keys (key_id, account, region, created_at_ms, description, key_usage, key_spec,"
    " origin, key_manager, multi_region, key_state, deletion_date_ms, pending_window_days,"
    " policy, current_version_id, rotation_period_days, next_rotation_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
constexpr const char* kInsertVersionSql =
    "INSERT INTO key_versions (key_seq, ordinal, version_id, created_at_ms, wrapped_material,"
    " key_material_id, rotation_type, public_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
// Where a stored key's next version goes.
constexpr const char* kNextOrdinalSql =
    "SELECT coalesce(max(ordinal) + 1, 0) FROM key_versions WHERE key_seq = ?1";
constexpr const char* kInsertTagSql =
    "INSERT INTO tags (key_seq, tag_key, tag_value) VALUES (?1, ?2, ?3)";
// The same columns, in the same order, as kInsertKeySql: one binding serves both. The key is
// found by its seq (?18); its id must agree.
constexpr const char* kUpdateKeySql =
    "UPDATE keys SET account = ?2, region = ?3, created_at_ms = ?4, description = ?5,"
    " key_usage = ?6, key_spec = ?7, origin = ?8, key_manager = ?9, multi_region = ?10,"
    " key_state = ?11, deletion_date_ms = ?12, pending_window_days = ?13, policy = ?14,"
    " current_version_id = ?15, rotation_period_days = ?16, next_rotation_ms = ?17"
    " WHERE seq = ?18 AND key_id = ?1";
constexpr const char* kDeleteTagsSql = "DELETE FROM tags WHERE key_seq = ?1";
constexpr const char* kDeleteKeySql = "DELETE FROM keys WHERE seq = ?1 AND key_id = ?2";
// Each key with each of its versions, a key's rows together in seq order and its versions in
// the order they were added: both tables read in the order of their primary keys, no sort. The
// LEFT JOIN keeps a key that has no version (then the version columns are NULL).
constexpr const char* kSelectKeysSql =
    "SELECT k.seq, k.key_id, k.account, k.region, k.created_at_ms, k.description, k.key_usage,"
    " k.key_spec, k.origin, k.key_manager, k.multi_region, k.key_state, k.deletion_date_ms,"
    " k.pending_window_days, k.policy, k.current_version_id, k.rotation_period_days,"
    " k.next_rotation_ms,"
    " v.version_id, v.created_at_ms, v.wrapped_material, v.key_material_id, v.rotation_type,"
    " v.public_key"
    " FROM keys k LEFT JOIN key_versions v ON v.key_seq = k.seq"
    " ORDER BY k.seq, v.ordinal";
constexpr const char* kSelectTagsSql =
    "SELECT k.key_id, t.tag_key, t.tag_value FROM tags t JOIN keys k ON k.seq = t.key_seq"
    " ORDER BY t.rowid";
// Written only when the seq (?4) names the key of that id (?7), like kInsertGrantSql.
constexpr const char* kPutAliasSql =
    "INSERT OR REPLACE INTO aliases (account, region, alias_name, target_key_seq, created_at_ms,"
    " updated_at_ms) SELECT ?1, ?2, ?3, ?4, ?5, ?6"
    " WHERE EXISTS (SELECT 1 FROM keys WHERE seq = ?4 AND key_id = ?7)";
constexpr const char* kDeleteAliasSql =
    "DELETE FROM aliases WHERE account = ?1 AND region = ?2 AND alias_name = ?3";
constexpr const char* kSelectAliasesSql =
    "SELECT a.account, a.region, a.alias_name, k.key_id, a.created_at_ms, a.updated_at_ms,"
    " a.target_key_seq FROM aliases a JOIN keys k ON k.seq = a.target_key_seq"
    " ORDER BY a.account, a.region, a.alias_name";
// Written only when the seq (?2) names the key of that id (?10): the foreign key checks the
// seq alone.
constexpr const char* kInsertGrantSql =
    "INSERT INTO grants (grant_id, key_seq, name, grantee_principal, retiring_principal,"
    " issuing_account, operations, constraint_kind, created_at_ms)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9"
    " WHERE EXISTS (SELECT 1 FROM keys WHERE seq = ?2 AND key_id = ?10)";
constexpr const char* kInsertGrantPairSql =
    "INSERT INTO grant_constraint_pairs (grant_id, context_key, context_value) VALUES (?1, ?2, ?3)";
constexpr const char* kDeleteGrantSql = "DELETE FROM grants WHERE grant_id = ?1";
constexpr const char* kSelectGrantsSql =
    "SELECT g.grant_id, k.key_id, g.name, g.grantee_principal, g.retiring_principal,"
    " g.issuing_account, g.operations, g.constraint_kind, g.created_at_ms, g.key_seq"
    " FROM grants g JOIN keys k ON k.seq = g.key_seq ORDER BY g.rowid";
constexpr const char* kSelectGrantPairsSql =
    "SELECT grant_id, context_key, context_value FROM grant_constraint_pairs";
// Grant operations are enum values without spaces: stored as one text, separated by this.
constexpr char kOperationSeparator = ' ';
constexpr const char* kCountKeysSql = "SELECT count(*) FROM keys";
// The load reads every page of keys and key_versions: mapped into memory for it, the file is
// read without a system call and a copy per page. Unmapped after the load, so that its pages
// do not stay resident (a bigger page cache would: its freed buffers lie between the loaded
// keys).
constexpr int64_t kLoadMmapBytes = int64_t{1} << 40;
// Until schema version 8 each created key entered three indexes at random places (key ids and
// version ids are random), and with SQLite's default cache (2 MB) a commit read back several
// of their pages from the WAL (a system call each): at 64 connections CreateKey made 2.2
// preads per key, with 16 MB 0.6. Since version 9 a created key enters none, but changes to
// stored keys (found by seq), aliases (by name) and grants (by id) still write at random
// places. (A larger cache costs some CPU back: a commit that split a B-tree page may scan the
// whole cache; README "How keys are kept".)
constexpr const char* kPageCacheSql = "PRAGMA cache_size = -16384";  // KiB
// Moves everything into the main file and empties the WAL, so that old WAL frames holding
// deleted material do not linger.
constexpr const char* kCheckpointSql = "PRAGMA wal_checkpoint(TRUNCATE)";

class SqliteKeyRepository final : public KeyRepository {
 public:
  Status Init(const std::string& path);

  Status LoadAll(const std::function<Status(KeyRow&)>& each) override;
  Status LoadAliases(const std::function<Status(AliasRow&)>& each) override;
  Result<size_t> CountKeys() override;
  Status Apply(std::vector<KeyWrite>& writes) override;

 private:
  Status Configure();
  Status SetMmapSize(int64_t bytes);  // at most SQLite's compile-time limit (SQLITE_MAX_MMAP_SIZE)
  Status LoadAllInSnapshot(const std::function<Status(KeyRow&)>& each);  // mu_ held
  Status ApplyInTransaction(std::vector<KeyWrite>& writes);
  Status Insert(KeyRow& key);
  Status Update(KeyWrite& write);  // sets write.key.seq
  Status Delete(const KeyRow& key);
  // The seq of the key a write names: `seq`, or when 0 that of the key inserted earlier in the
  // batch as `key_id`.
  Result<int64_t> SeqOf(const std::string& key_id, int64_t seq) const;
  // Stores key.versions as the key's versions from position first_ordinal on.
  Status InsertVersions(const KeyRow& key, int64_t first_ordinal);
  Status InsertTags(const KeyRow& key);
  Status PutAlias(const AliasRow& alias);
  Status DeleteAlias(const AliasRow& alias);
  Status PutGrant(const GrantRow& grant);
  Status DeleteGrant(const GrantRow& grant);
  // Every grant by key id, in creation order.
  Result<std::unordered_map<std::string, std::vector<GrantRow>>> SelectGrants();

  std::mutex mu_;
  // The keys the batch being applied has inserted, by id.
  std::unordered_map<std::string, int64_t> inserted_in_batch_;
  // Declared before the statements: they are finalized before the connection closes.
  SqliteDb db_;
  TxStatements tx_;
  StmtHandle insert_key_;
  StmtHandle insert_version_;
  StmtHandle next_ordinal_;
  StmtHandle insert_tag_;
  StmtHandle update_key_;
  StmtHandle delete_tags_;
  StmtHandle delete_key_;
  StmtHandle select_keys_;
  StmtHandle select_tags_;
  StmtHandle put_alias_;
  StmtHandle delete_alias_;
  StmtHandle select_aliases_;
  StmtHandle insert_grant_;
  StmtHandle insert_grant_pair_;
  StmtHandle delete_grant_;
  StmtHandle select_grants_;
  StmtHandle select_grant_pairs_;
  StmtHandle checkpoint_;
  // Last: stopped before the statements and the connection go.
  std::unique_ptr<WalCheckpointer> checkpointer_;
};

Status SqliteKeyRepository::Init(const std::string& path) {
  // Calls are serialised by mu_, so SQLite's own connection mutex is not needed. Every commit
  // is synced (Configure), so its WAL frames may be written together (wal_write_batching.h).
  TRY(db_, OpenReadWrite(path, SQLITE_OPEN_NOMUTEX, WalWriteBatchingVfs()));
  sqlite3* raw = db_.get();
  TRY_STATUS(Configure());
  TRY(tx_, TxStatements::Prepare(raw));
  TRY_STATUS(MigrateSchema(raw, tx_));
  TRY(insert_key_, PrepareSql(raw, kInsertKeySql));
  TRY(insert_version_, PrepareSql(raw, kInsertVersionSql));
  TRY(next_ordinal_, PrepareSql(raw, kNextOrdinalSql));
  TRY(insert_tag_, PrepareSql(raw, kInsertTagSql));
  TRY(update_key_, PrepareSql(raw, kUpdateKeySql));
  TRY(delete_tags_, PrepareSql(raw, kDeleteTagsSql));
  TRY(delete_key_, PrepareSql(raw, kDeleteKeySql));
  TRY(select_keys_, PrepareSql(raw, kSelectKeysSql));
  TRY(select_tags_, PrepareSql(raw, kSelectTagsSql));
  TRY(put_alias_, PrepareSql(raw, kPutAliasSql));
  TRY(delete_alias_, PrepareSql(raw, kDeleteAliasSql));
  TRY(select_aliases_, PrepareSql(raw, kSelectAliasesSql));
  TRY(insert_grant_, PrepareSql(raw, kInsertGrantSql));
  TRY(insert_grant_pair_, PrepareSql(raw, kInsertGrantPairSql));
  TRY(delete_grant_, PrepareSql(raw, kDeleteGrantSql));
  TRY(select_grants_, PrepareSql(raw, kSelectGrantsSql));
  TRY(select_grant_pairs_, PrepareSql(raw, kSelectGrantPairsSql));
  TRY(checkpoint_, PrepareSql(raw, kCheckpointSql));
  TRY(checkpointer_, WalCheckpointer::Start(path, raw, WalCheckpointer::Thresholds{}));
  return Status::Ok();
}

Status SqliteKeyRepository::Configure() {
  sqlite3* db = db_.get();
  // The first statement that reads the file: a file that is not a database fails here.
  TRY(std::string mode, QueryText(db, "PRAGMA journal_mode = WAL"));
  if (mode != "wal") return InternalError("cannot use WAL journal mode (got '" + mode + "')");
  // FULL: in WAL mode every commit is fsynced before it returns, so what we acknowledged
  // survives a crash. secure_delete overwrites deleted content (wrapped material) with zeros.
  TRY_STATUS(ExecSql(db,
                     "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                     " PRAGMA secure_delete = ON;"));
  TRY_STATUS(ExecSql(db, kPageCacheSql));
  // These pragmas are silently ignored when unsupported; the cascades rely on them.
  TRY(int64_t foreign_keys, QueryInt(db, "PRAGMA foreign_keys"));
  TRY(int64_t secure_delete, QueryInt(db, "PRAGMA secure_delete"));
  if (foreign_keys != 1 || secure_delete != 1) {
    return InternalError("this SQLite does not support foreign keys or secure_delete");
  }
  return Status::Ok();
}

Status SqliteKeyRepository::LoadAll(const std::function<Status(KeyRow&)>& each) {
  std::lock_guard lock(mu_);
  TRY_STATUS(SetMmapSize(kLoadMmapBytes));
  Status loaded = LoadAllInSnapshot(each);
  TRY_STATUS(SetMmapSize(0));
  return loaded;
}

Status SqliteKeyRepository::SetMmapSize(int64_t bytes) {
  std::string pragma = "PRAGMA mmap_size = " + std::to_string(bytes);
  return ExecSql(db_.get(), pragma.c_str());
}

Status SqliteKeyRepository::LoadAllInSnapshot(const std::function<Status(KeyRow&)>& each) {
  sqlite3* db = db_.get();
  Transaction tx(db, tx_);  // one snapshot for both reads
  TRY_STATUS(tx.Begin(Transaction::Kind::kRead));

  // Few keys have tags: they are gathered first, then handed out with their keys.
  std::unordered_map<std::string, std::vector<TagRow>> tags_of;
  {
    Query q(select_tags_.get());
    while (true) {
      TRY(bool row, q.Step());
      if (!row) break;
      tags_of[q.Text(0)].push_back(TagRow{q.Text(1), q.Text(2)});
    }
  }
  // Likewise grants: most keys have none.
  TRY(auto grants_of, SelectGrants());
  auto hand_out = [&](KeyRow& key) -> Status {
    auto tags = tags_of.find(key.key_id);
    if (tags != tags_of.end()) {
      key.tags = std::move(tags->second);
      tags_of.erase(tags);
    }
    auto grants = grants_of.find(key.key_id);
    if (grants != grants_of.end()) {
      key.grants = std::move(grants->second);
      grants_of.erase(grants);
    }
    return each(key);
  };
  std::optional<KeyRow> key;  // the key whose rows are being read
  {
    Query q(select_keys_.get());
    while (true) {
      TRY(bool row, q.Step());
      if (!row) break;
      int64_t seq = q.Int(0);
      if (!key || key->seq != seq) {
        if (key) TRY_STATUS(hand_out(*key));
        key.emplace();
        key->seq = seq;
        key->key_id = q.Text(1);
        key->account = q.Text(2);
        key->region = q.Text(3);
        key->created_at_ms = q.Int(4);
        key->description = q.Text(5);
        key->key_usage = q.Text(6);
        key->key_spec = q.Text(7);
        key->origin = q.Text(8);
        key->key_manager = q.Text(9);
        key->multi_region = q.Int(10) != 0;
        key->key_state = q.Text(11);
        key->deletion_date_ms = q.OptionalInt(12);
        if (auto days = q.OptionalInt(13)) key->pending_window_days = static_cast<int32_t>(*days);
        key->policy = q.Text(14);
        key->current_version_id = q.Blob(15);
        if (auto days = q.OptionalInt(16)) key->rotation_period_days = static_cast<int32_t>(*days);
        key->next_rotation_ms = q.OptionalInt(17);
      }
      std::optional<int64_t> version_created_at_ms = q.OptionalInt(19);
      if (!version_created_at_ms) continue;  // a key without versions
      KeyVersionRow& v = key->versions.emplace_back();
      v.version_id = q.Blob(18);
      v.key_id = key->key_id;
      v.created_at_ms = *version_created_at_ms;
      v.wrapped_material = q.Blob(20);
      v.key_material_id = q.Text(21);
      v.rotation_type = q.Text(22);
      v.public_key = q.Blob(23);
    }
  }
  if (key) TRY_STATUS(hand_out(*key));
  if (!tags_of.empty()) return InternalError("tag of unknown key " + tags_of.begin()->first);
  if (!grants_of.empty()) {
    return InternalError("grant of unknown key " + grants_of.begin()->first);
  }
  return tx.Commit();
}

Result<std::unordered_map<std::string, std::vector<GrantRow>>>
SqliteKeyRepository::SelectGrants() {
  std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>> pairs_of;
  {
    Query q(select_grant_pairs_.get());
    while (true) {
      TRY(bool row, q.Step());
      if (!row) break;
      pairs_of[q.Text(0)].emplace_back(q.Text(1), q.Text(2));
    }
  }
  std::unordered_map<std::string, std::vector<GrantRow>> grants_of;
  Query q(select_grants_.get());
  while (true) {
    TRY(bool row, q.Step());
    if (!row) break;
    GrantRow g;
    g.grant_id = q.Text(0);
    g.key_id = q.Text(1);
    g.name = q.Text(2);
    g.grantee_principal = q.Text(3);
    g.retiring_principal = q.Text(4);
    g.issuing_account = q.Text(5);
    std::string operations = q.Text(6);
    for (size_t at = 0; at < operations.size();) {
      size_t end = operations.find(kOperationSeparator, at);
      if (end == std::string::npos) end = operations.size();
      g.operations.push_back(operations.substr(at, end - at));
      at = end + 1;
    }
    g.constraint = q.Text(7);
    g.created_at_ms = q.Int(8);
    g.key_seq = q.Int(9);
    auto pairs = pairs_of.find(g.grant_id);
    if (pairs != pairs_of.end()) {
      g.constraint_pairs = std::move(pairs->second);
      pairs_of.erase(pairs);
    }
    std::string key_id = g.key_id;
    grants_of[key_id].push_back(std::move(g));
  }
  if (!pairs_of.empty()) {
    return InternalError("constraint of unknown grant " + pairs_of.begin()->first);
  }
  return grants_of;
}

Status SqliteKeyRepository::LoadAliases(const std::function<Status(AliasRow&)>& each) {
  std::lock_guard lock(mu_);
  Query q(select_aliases_.get());
  while (true) {
    TRY(bool row, q.Step());
    if (!row) return Status::Ok();
    AliasRow alias{q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Int(6), q.Int(4), q.Int(5)};
    TRY_STATUS(each(alias));
  }
}

Result<size_t> SqliteKeyRepository::CountKeys() {
  std::lock_guard lock(mu_);
  TRY(int64_t count, QueryInt(db_.get(), kCountKeysSql));
  return static_cast<size_t>(count);
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
      .BindBlob(15, key.current_version_id)
      .BindOptionalInt(16, key.rotation_period_days)
      .BindOptionalInt(17, key.next_rotation_ms);
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
  inserted_in_batch_.clear();
  Transaction tx(db_.get(), tx_);
  TRY_STATUS(tx.Begin(Transaction::Kind::kWrite));
  for (KeyWrite& w : writes) {
    switch (w.kind) {
      case KeyWrite::Kind::kInsert: TRY_STATUS(Insert(w.key)); break;
      case KeyWrite::Kind::kUpdate: TRY_STATUS(Update(w)); break;
      case KeyWrite::Kind::kDelete: TRY_STATUS(Delete(w.key)); break;
      case KeyWrite::Kind::kPutAlias: TRY_STATUS(PutAlias(w.alias)); break;
      case KeyWrite::Kind::kDeleteAlias: TRY_STATUS(DeleteAlias(w.alias)); break;
      case KeyWrite::Kind::kPutGrant: TRY_STATUS(PutGrant(w.grant)); break;
      case KeyWrite::Kind::kDeleteGrant: TRY_STATUS(DeleteGrant(w.grant)); break;
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
  inserted_in_batch_[key.key_id] = key.seq;
  TRY_STATUS(InsertVersions(key, /*first_ordinal=*/0));
  return InsertTags(key);
}

Status SqliteKeyRepository::Update(KeyWrite& write) {
  KeyRow& key = write.key;
  TRY(key.seq, SeqOf(key.key_id, key.seq));
  {
    Query q(update_key_.get());
    BindKeyColumns(q, key);
    q.BindInt(18, key.seq);
    TRY_STATUS(q.Run());
  }
  if (sqlite3_changes(db_.get()) == 0) return NoSuchKey(key.key_id);
  if (!key.versions.empty()) {
    int64_t next_ordinal = 0;
    {
      Query q(next_ordinal_.get());
      q.BindInt(1, key.seq);
      TRY(bool row, q.Step());
      if (!row) return InternalError("no next version position for key " + key.key_id);
      next_ordinal = q.Int(0);
    }
    TRY_STATUS(InsertVersions(key, next_ordinal));
  }
  if (!write.replace_tags) return Status::Ok();
  {
    Query q(delete_tags_.get());
    q.BindInt(1, key.seq);
    TRY_STATUS(q.Run());
  }
  return InsertTags(key);
}

Status SqliteKeyRepository::Delete(const KeyRow& key) {
  TRY(int64_t seq, SeqOf(key.key_id, key.seq));
  Query q(delete_key_.get());
  q.BindInt(1, seq).BindText(2, key.key_id);
  // Its versions, tags, aliases, grants and last usage go with it (ON DELETE CASCADE).
  TRY_STATUS(q.Run());
  if (sqlite3_changes(db_.get()) == 0) return NoSuchKey(key.key_id);
  return Status::Ok();
}

Result<int64_t> SqliteKeyRepository::SeqOf(const std::string& key_id, int64_t seq) const {
  if (seq != 0) return seq;
  auto inserted = inserted_in_batch_.find(key_id);
  if (inserted == inserted_in_batch_.end()) return NoSuchKey(key_id);
  return inserted->second;
}

Status SqliteKeyRepository::PutAlias(const AliasRow& alias) {
  TRY(int64_t target_seq, SeqOf(alias.target_key_id, alias.target_key_seq));
  Query q(put_alias_.get());
  q.BindText(1, alias.account)
      .BindText(2, alias.region)
      .BindText(3, alias.alias_name)
      .BindInt(4, target_seq)
      .BindInt(5, alias.created_at_ms)
      .BindInt(6, alias.updated_at_ms)
      .BindText(7, alias.target_key_id);
  TRY_STATUS(q.Run());
  if (sqlite3_changes(db_.get()) == 0) return NoSuchKey(alias.target_key_id);
  return Status::Ok();
}

Status SqliteKeyRepository::DeleteAlias(const AliasRow& alias) {
  Query q(delete_alias_.get());
  q.BindText(1, alias.account).BindText(2, alias.region).BindText(3, alias.alias_name);
  TRY_STATUS(q.Run());
  if (sqlite3_changes(db_.get()) == 0) {
    return NotFoundError("Alias '" + alias.alias_name + "' does not exist");
  }
  return Status::Ok();
}

Status SqliteKeyRepository::PutGrant(const GrantRow& grant) {
  std::string operations;
  for (const std::string& op : grant.operations) {
    if (!operations.empty()) operations += kOperationSeparator;
    operations += op;
  }
  TRY(int64_t key_seq, SeqOf(grant.key_id, grant.key_seq));
  {
    Query q(insert_grant_.get());
    q.BindText(1, grant.grant_id)
        .BindInt(2, key_seq)
        .BindText(3, grant.name)
        .BindText(4, grant.grantee_principal)
        .BindText(5, grant.retiring_principal)
        .BindText(6, grant.issuing_account)
        .BindText(7, operations)
        .BindText(8, grant.constraint)
        .BindInt(9, grant.created_at_ms)
        .BindText(10, grant.key_id);
    TRY_STATUS(q.Run());  // a known grant id fails the UNIQUE
    if (sqlite3_changes(db_.get()) == 0) return NoSuchKey(grant.key_id);
  }
  for (const auto& [key, value] : grant.constraint_pairs) {
    Query q(insert_grant_pair_.get());
    q.BindText(1, grant.grant_id).BindText(2, key).BindText(3, value);
    TRY_STATUS(q.Run());
  }
  return Status::Ok();
}

Status SqliteKeyRepository::DeleteGrant(const GrantRow& grant) {
  Query q(delete_grant_.get());
  q.BindText(1, grant.grant_id);
  TRY_STATUS(q.Run());  // its constraint pairs go with it (ON DELETE CASCADE)
  if (sqlite3_changes(db_.get()) == 0) {
    return NotFoundError("Grant '" + grant.grant_id + "' does not exist");
  }
  return Status::Ok();
}

Status SqliteKeyRepository::InsertVersions(const KeyRow& key, int64_t first_ordinal) {
  int64_t ordinal = first_ordinal;
  for (const KeyVersionRow& v : key.versions) {
    if (!v.key_id.empty() && v.key_id != key.key_id) {
      return InternalError("version of key " + key.key_id + " belongs to key " + v.key_id);
    }
    Query q(insert_version_.get());
    q.BindInt(1, key.seq)
        .BindInt(2, ordinal++)
        .BindBlob(3, v.version_id)
        .BindInt(4, v.created_at_ms)
        .BindBlob(5, v.wrapped_material)
        .BindText(6, v.key_material_id)
        .BindText(7, v.rotation_type);
    if (!v.public_key.empty()) q.BindBlob(8, v.public_key);  // else unbound: NULL
    TRY_STATUS(q.Run());
  }
  return Status::Ok();
}

Status SqliteKeyRepository::InsertTags(const KeyRow& key) {
  for (const TagRow& t : key.tags) {
    Query q(insert_tag_.get());
    q.BindInt(1, key.seq).BindText(2, t.key).BindText(3, t.value);
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
