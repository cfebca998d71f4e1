#include "storage/schema.h"

#include <algorithm>
#include <iterator>
#include <string>

namespace trent::storage {
namespace {

// Marks the file as trent's (PRAGMA application_id): "tren" in ASCII.
constexpr int64_t kApplicationId = 0x7472656e;

// Migration i (from 0) brings the schema from version i to version i + 1; the version is kept
// in PRAGMA user_version, set (with the application id) in the same transaction as the step. Append only: never edit
// a step that has shipped.
constexpr const char* kMigrations[] = {
    // 1: keys, their versions (wrapped material) and tags.
    R"sql(
      CREATE TABLE keys (
        seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
        key_id              TEXT    NOT NULL UNIQUE,
        account             TEXT    NOT NULL,
        region              TEXT    NOT NULL,
        created_at_ms       INTEGER NOT NULL,
        description         TEXT    NOT NULL,
        key_usage           TEXT    NOT NULL,
        key_spec            TEXT    NOT NULL,
        origin              TEXT    NOT NULL,
        key_manager         TEXT    NOT NULL,
        multi_region        INTEGER NOT NULL CHECK (multi_region IN (0, 1)),
        key_state           TEXT    NOT NULL,
        deletion_date_ms    INTEGER,
        pending_window_days INTEGER,
        policy              TEXT    NOT NULL,
        current_version_id  BLOB    NOT NULL
      );
      CREATE TABLE key_versions (
        version_id       BLOB    PRIMARY KEY,
        key_id           TEXT    NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
        created_at_ms    INTEGER NOT NULL,
        wrapped_material BLOB    NOT NULL,
        key_material_id  TEXT    NOT NULL
      );
      -- Serves the cascade from keys and per-key lookups.
      CREATE INDEX key_versions_by_key ON key_versions (key_id, created_at_ms);
      -- The primary key's leading key_id serves the cascade from keys.
      CREATE TABLE tags (
        key_id    TEXT NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
        tag_key   TEXT NOT NULL,
        tag_value TEXT NOT NULL,
        PRIMARY KEY (key_id, tag_key)
      );
    )sql",
    // 2: facts about the server itself, such as the domain key check (see meta_repository.h).
    R"sql(
      CREATE TABLE server_meta (
        name  TEXT PRIMARY KEY,
        value BLOB NOT NULL
      ) WITHOUT ROWID;
    )sql",
    // 3: aliases. A key's aliases go with it (ON DELETE CASCADE), in the transaction that
    // deletes the key.
    R"sql(
      CREATE TABLE aliases (
        account       TEXT    NOT NULL,
        region        TEXT    NOT NULL,
        alias_name    TEXT    NOT NULL,
        target_key_id TEXT    NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        PRIMARY KEY (account, region, alias_name)
      ) WITHOUT ROWID;
      -- Serves the cascade from keys.
      CREATE INDEX aliases_by_key ON aliases (target_key_id);
    )sql",
    // 4: rotation: a key's automatic rotation period and next date (both NULL while automatic
    // rotation is off), and how each version came to be ('' for a key's first material).
    R"sql(
      ALTER TABLE keys ADD COLUMN rotation_period_days INTEGER;
      ALTER TABLE keys ADD COLUMN next_rotation_ms INTEGER;
      ALTER TABLE key_versions ADD COLUMN rotation_type TEXT NOT NULL DEFAULT '';
    )sql",
    // 5: the last cryptographic use of each key (GetKeyLastUsage), and when tracking began:
    // keys created before this migration may have been used before it.
    R"sql(
      CREATE TABLE key_last_usage (
        key_id     TEXT    PRIMARY KEY REFERENCES keys (key_id) ON DELETE CASCADE,
        operation  TEXT    NOT NULL,
        used_at_ms INTEGER NOT NULL,
        request_id TEXT    NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO server_meta (name, value)
        VALUES ('last_usage_tracking_start_ms', CAST(strftime('%s', 'now') AS INTEGER) * 1000);
    )sql",
    // 6: a key pair's public key (DER SubjectPublicKeyInfo) beside its wrapped private key.
    R"sql(
      ALTER TABLE key_versions ADD COLUMN public_key BLOB;
    )sql",
    // 7: grants, each a row written and deleted on its own (a key with thousands of grants is
    // never rewritten whole), going with their key (ON DELETE CASCADE). operations: the grant's
    // operations separated by spaces; constraint: '' (none), 'EncryptionContextEquals' or
    // 'EncryptionContextSubset', with its pairs in grant_constraint_pairs. The rowid keeps the
    // creation order.
    R"sql(
      CREATE TABLE grants (
        grant_id           TEXT    NOT NULL UNIQUE,
        key_id             TEXT    NOT NULL REFERENCES keys (key_id) ON DELETE CASCADE,
        name               TEXT    NOT NULL,
        grantee_principal  TEXT    NOT NULL,
        retiring_principal TEXT    NOT NULL,
        issuing_account    TEXT    NOT NULL,
        operations         TEXT    NOT NULL,
        constraint_kind    TEXT    NOT NULL,
        created_at_ms      INTEGER NOT NULL
      );
      -- Serves the cascade from keys.
      CREATE INDEX grants_by_key ON grants (key_id);
      CREATE TABLE grant_constraint_pairs (
        grant_id      TEXT NOT NULL REFERENCES grants (grant_id) ON DELETE CASCADE,
        context_key   TEXT NOT NULL,
        context_value TEXT NOT NULL,
        PRIMARY KEY (grant_id, context_key)
      ) WITHOUT ROWID;
    )sql",
    // 8: key versions kept by (their key's seq, their position among its versions), in one
    // b-tree without rowid. A new key's versions then go at the end of it, beside the last
    // key's, where version 1 wrote a row and two indexes, both at random places (version id,
    // key id): about 40% fewer WAL bytes per created key. Positions keep the order in which
    // version 1 loaded them (creation time, then insertion). Version ids need no index to stay
    // unique: 16 random bytes, or derived from a seeded key's id and its distinct materials.
    R"sql(
      CREATE TABLE key_versions_by_seq (
        key_seq          INTEGER NOT NULL REFERENCES keys (seq) ON DELETE CASCADE,
        ordinal          INTEGER NOT NULL,
        version_id       BLOB    NOT NULL,
        created_at_ms    INTEGER NOT NULL,
        wrapped_material BLOB    NOT NULL,
        key_material_id  TEXT    NOT NULL,
        rotation_type    TEXT    NOT NULL,
        public_key       BLOB,
        PRIMARY KEY (key_seq, ordinal)
      ) WITHOUT ROWID;
      INSERT INTO key_versions_by_seq
        SELECT k.seq,
               row_number() OVER (PARTITION BY k.seq ORDER BY v.created_at_ms, v.rowid) - 1,
               v.version_id, v.created_at_ms, v.wrapped_material, v.key_material_id,
               v.rotation_type, v.public_key
        FROM key_versions v JOIN keys k ON k.key_id = v.key_id;
      DROP TABLE key_versions;
      ALTER TABLE key_versions_by_seq RENAME TO key_versions;
    )sql",
    // 9: no index of key ids. Every table that hangs off a key refers to it by its seq, so a
    // new key's rows all go at the ends of their tables; the one index a new key entered at a
    // random place (its id) is gone. Lookups by key id are the key store's (kms::KeyStore
    // holds every key in memory); storage finds a key by its seq. The numbering of keys goes
    // on where it was: a deleted key's seq is never given again.
    R"sql(
      CREATE TABLE keys_by_seq (
        seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
        key_id               TEXT    NOT NULL,
        account              TEXT    NOT NULL,
        region               TEXT    NOT NULL,
        created_at_ms        INTEGER NOT NULL,
        description          TEXT    NOT NULL,
        key_usage            TEXT    NOT NULL,
        key_spec             TEXT    NOT NULL,
        origin               TEXT    NOT NULL,
        key_manager          TEXT    NOT NULL,
        multi_region         INTEGER NOT NULL CHECK (multi_region IN (0, 1)),
        key_state            TEXT    NOT NULL,
        deletion_date_ms     INTEGER,
        pending_window_days  INTEGER,
        policy               TEXT    NOT NULL,
        current_version_id   BLOB    NOT NULL,
        rotation_period_days INTEGER,
        next_rotation_ms     INTEGER
      );
      INSERT INTO keys_by_seq (seq, key_id, account, region, created_at_ms, description,
                               key_usage, key_spec, origin, key_manager, multi_region,
                               key_state, deletion_date_ms, pending_window_days, policy,
                               current_version_id, rotation_period_days, next_rotation_ms)
        SELECT seq, key_id, account, region, created_at_ms, description, key_usage, key_spec,
               origin, key_manager, multi_region, key_state, deletion_date_ms,
               pending_window_days, policy, current_version_id, rotation_period_days,
               next_rotation_ms
        FROM keys ORDER BY seq;
      DELETE FROM sqlite_sequence WHERE name = 'keys_by_seq';
      INSERT INTO sqlite_sequence (name, seq)
        SELECT 'keys_by_seq', seq FROM sqlite_sequence WHERE name = 'keys';

      CREATE TABLE tags_by_seq (
        key_seq   INTEGER NOT NULL REFERENCES keys (seq) ON DELETE CASCADE,
        tag_key   TEXT    NOT NULL,
        tag_value TEXT    NOT NULL,
        PRIMARY KEY (key_seq, tag_key)
      );
      INSERT INTO tags_by_seq (key_seq, tag_key, tag_value)
        SELECT k.seq, t.tag_key, t.tag_value
        FROM tags t JOIN keys k ON k.key_id = t.key_id ORDER BY t.rowid;

      CREATE TABLE aliases_by_seq (
        account        TEXT    NOT NULL,
        region         TEXT    NOT NULL,
        alias_name     TEXT    NOT NULL,
        target_key_seq INTEGER NOT NULL REFERENCES keys (seq) ON DELETE CASCADE,
        created_at_ms  INTEGER NOT NULL,
        updated_at_ms  INTEGER NOT NULL,
        PRIMARY KEY (account, region, alias_name)
      ) WITHOUT ROWID;
      INSERT INTO aliases_by_seq (account, region, alias_name, target_key_seq, created_at_ms,
                                  updated_at_ms)
        SELECT a.account, a.region, a.alias_name, k.seq, a.created_at_ms, a.updated_at_ms
        FROM aliases a JOIN keys k ON k.key_id = a.target_key_id;

      CREATE TABLE grants_by_seq (
        grant_id           TEXT    NOT NULL UNIQUE,
        key_seq            INTEGER NOT NULL REFERENCES keys (seq) ON DELETE CASCADE,
        name               TEXT    NOT NULL,
        grantee_principal  TEXT    NOT NULL,
        retiring_principal TEXT    NOT NULL,
        issuing_account    TEXT    NOT NULL,
        operations         TEXT    NOT NULL,
        constraint_kind    TEXT    NOT NULL,
        created_at_ms      INTEGER NOT NULL
      );
      INSERT INTO grants_by_seq (grant_id, key_seq, name, grantee_principal, retiring_principal,
                                 issuing_account, operations, constraint_kind, created_at_ms)
        SELECT g.grant_id, k.seq, g.name, g.grantee_principal, g.retiring_principal,
               g.issuing_account, g.operations, g.constraint_kind, g.created_at_ms
        FROM grants g JOIN keys k ON k.key_id = g.key_id ORDER BY g.rowid;

      CREATE TABLE key_last_usage_by_seq (
        key_seq    INTEGER PRIMARY KEY REFERENCES keys (seq) ON DELETE CASCADE,
        operation  TEXT    NOT NULL,
        used_at_ms INTEGER NOT NULL,
        request_id TEXT    NOT NULL
      );
      INSERT INTO key_last_usage_by_seq (key_seq, operation, used_at_ms, request_id)
        SELECT k.seq, u.operation, u.used_at_ms, u.request_id
        FROM key_last_usage u JOIN keys k ON k.key_id = u.key_id;

      DROP TABLE key_last_usage;
      DROP TABLE grants;
      DROP TABLE aliases;
      DROP TABLE tags;
      DROP TABLE keys;
      ALTER TABLE keys_by_seq RENAME TO keys;
      ALTER TABLE tags_by_seq RENAME TO tags;
      ALTER TABLE aliases_by_seq RENAME TO aliases;
      ALTER TABLE grants_by_seq RENAME TO grants;
      ALTER TABLE key_last_usage_by_seq RENAME TO key_last_usage;
      -- Serve the cascades from keys.
      CREATE INDEX aliases_by_key ON aliases (target_key_seq);
      CREATE INDEX grants_by_key ON grants (key_seq);
    )sql",
};
constexpr int64_t kLatestVersion = std::size(kMigrations);
// The steps that rebuild a table other tables refer to: dropping its old copy while foreign
// keys are enforced would delete every row that refers to it. They run with enforcement off
// (it can only be switched outside a transaction), and are checked before they commit.
constexpr int64_t kStepsRebuildingReferencedTables[] = {9};

bool RebuildsReferencedTable(int64_t target) {
  return std::find(std::begin(kStepsRebuildingReferencedTables),
                   std::end(kStepsRebuildingReferencedTables),
                   target) != std::end(kStepsRebuildingReferencedTables);
}

Status ApplyMigrationInTransaction(sqlite3* db, const TxStatements& stmts, int64_t target,
                                   bool check_references) {
  Transaction tx(db, stmts);
  TRY_STATUS(tx.Begin(Transaction::Kind::kWrite));
  // Another process may have migrated between our first look and taking the write lock.
  TRY(int64_t version, QueryInt(db, "PRAGMA user_version"));
  if (version >= target) return Status::Ok();
  Status applied = ExecSql(db, kMigrations[target - 1]);
  if (!applied.ok()) {
    return InternalError("schema migration to version " + std::to_string(target) +
                         " failed: " + applied.message());
  }
  std::string mark = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                     "; PRAGMA user_version = " + std::to_string(target);
  TRY_STATUS(ExecSql(db, mark.c_str()));
  if (check_references) {
    TRY(int64_t dangling, QueryInt(db, "SELECT count(*) FROM pragma_foreign_key_check"));
    if (dangling != 0) {
      return InternalError("schema migration to version " + std::to_string(target) + " left " +
                           std::to_string(dangling) + " rows referring to nothing");
    }
  }
  return tx.Commit();
}

Status ApplyMigration(sqlite3* db, const TxStatements& stmts, int64_t target) {
  if (!RebuildsReferencedTable(target)) {
    return ApplyMigrationInTransaction(db, stmts, target, /*check_references=*/false);
  }
  TRY(int64_t enforced, QueryInt(db, "PRAGMA foreign_keys"));
  TRY_STATUS(ExecSql(db, "PRAGMA foreign_keys = OFF"));
  Status applied = ApplyMigrationInTransaction(db, stmts, target, /*check_references=*/true);
  Status restored =
      ExecSql(db, enforced ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF");
  return applied.ok() ? restored : applied;
}

}  // namespace

Status MigrateSchema(sqlite3* db, const TxStatements& stmts) {
  return MigrateSchemaTo(db, stmts, kLatestVersion);
}

Status MigrateSchemaTo(sqlite3* db, const TxStatements& stmts, int64_t wanted) {
  if (wanted > kLatestVersion) {
    return InternalError("no schema version " + std::to_string(wanted) + " in this build");
  }
  TRY(int64_t app_id, QueryInt(db, "PRAGMA application_id"));
  TRY(int64_t version, QueryInt(db, "PRAGMA user_version"));
  if (app_id != kApplicationId) {
    // Only an empty, unmarked file may become a trent database.
    TRY(int64_t objects, QueryInt(db, "SELECT count(*) FROM sqlite_master"));
    if (app_id != 0 || version != 0 || objects != 0) {
      return InternalError("not a trent database (application_id " + std::to_string(app_id) +
                           ", user_version " + std::to_string(version) + ")");
    }
  }
  if (version > kLatestVersion) {
    return InternalError("the database has schema version " + std::to_string(version) +
                         ", written by a newer trent; this build knows versions up to " +
                         std::to_string(kLatestVersion));
  }
  for (int64_t target = version + 1; target <= wanted; ++target) {
    TRY_STATUS(ApplyMigration(db, stmts, target));
  }
  return Status::Ok();
}

}  // namespace trent::storage
