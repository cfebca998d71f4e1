// The database schema, as an ordered list of migrations from the first version on.
#pragma once

#include "common/status.h"
#include "storage/sqlite_db.h"

namespace trent::storage {

// Brings the database to the newest schema this build knows, each step in its own
// transaction; an up-to-date database is left untouched. Fails, changing nothing, when the
// database was written by a newer trent or belongs to another program.
Status MigrateSchema(sqlite3* db, const TxStatements& tx);
// The same, up to schema version `version` (at most the newest): how tests make the database
// an older trent left.
Status MigrateSchemaTo(sqlite3* db, const TxStatements& tx, int64_t version);

}  // namespace trent::storage
