#include "storage/meta_repository.h"

#include "storage/schema.h"
#include "storage/sqlite_db.h"

namespace trent::storage {
namespace {

// How long a call waits for another connection's write lock before failing.

constexpr char kDomainKeyCheckName[] = "domain_key_check";

constexpr const char* kSelectMetaSql = "SELECT value FROM server_meta WHERE name = ?1";
// A plain INSERT: a second record of the same fact fails on the primary key.
constexpr const char* kInsertMetaSql = "INSERT INTO server_meta (name, value) VALUES (?1, ?2)";
// Wrapped (AES-KWP) material first: its length is a multiple of 8 bytes, which neither a
// derivation input nor a token object reference has (see hsm::Hsm::GenerateKey). Either of
// those as a check makes Open refuse the token, which is safe: such a database was written
// after checks were recorded, and lost its check.
constexpr const char* kSelectSomeMaterialSql =
    "SELECT wrapped_material FROM key_versions ORDER BY length(wrapped_material) % 8 != 0 LIMIT 1";

// The first column of the first row of `stmt` (bound to `name` when given), if there is a row.
Result<std::optional<Bytes>> FirstBlob(sqlite3_stmt* stmt, const char* name = nullptr) {
  Query q(stmt);
  if (name != nullptr) q.BindText(1, name);
  TRY(bool row, q.Step());
  if (!row) return std::optional<Bytes>();
  return std::optional<Bytes>(q.Blob(0));
}

class SqliteMetaRepository final : public MetaRepository {
 public:
  Status Init(const std::string& path) {
    TRY(db_, OpenReadWrite(path));
    sqlite3* raw = db_.get();
    // Acknowledged means on disk, whatever journal mode the file is in.
    TRY_STATUS(ExecSql(raw, "PRAGMA synchronous = FULL"));
    TRY(tx_, TxStatements::Prepare(raw));
    TRY_STATUS(MigrateSchema(raw, tx_));
    TRY(select_meta_, PrepareSql(raw, kSelectMetaSql));
    TRY(insert_meta_, PrepareSql(raw, kInsertMetaSql));
    TRY(select_some_material_, PrepareSql(raw, kSelectSomeMaterialSql));
    return Status::Ok();
  }

  Result<std::optional<Bytes>> DomainKeyCheck() override {
    return FirstBlob(select_meta_.get(), kDomainKeyCheckName);
  }

  Status RecordDomainKeyCheck(const Bytes& check) override {
    Query q(insert_meta_.get());
    q.BindText(1, kDomainKeyCheckName).BindBlob(2, check);
    Status st = q.Run();
    if (!st.ok()) return InternalError("recording the domain key check: " + st.message());
    return Status::Ok();
  }

  Result<std::optional<Bytes>> SomeWrappedKeyMaterial() override {
    return FirstBlob(select_some_material_.get());
  }

 private:
  // Declared before the statements: they are finalized before the connection closes.
  SqliteDb db_;
  TxStatements tx_;
  StmtHandle select_meta_;
  StmtHandle insert_meta_;
  StmtHandle select_some_material_;
};

}  // namespace

Result<std::unique_ptr<MetaRepository>> MetaRepository::Open(const std::string& path) {
  auto repo = std::make_unique<SqliteMetaRepository>();
  const Status st = repo->Init(path);
  if (!st.ok()) return InternalError("cannot open database '" + path + "': " + st.message());
  return std::unique_ptr<MetaRepository>(std::move(repo));
}

}  // namespace trent::storage
