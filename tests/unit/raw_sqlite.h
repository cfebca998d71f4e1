// The storage tests' look under the repositories: statements run on a raw connection of their
// own to the database file, and databases as an older schema left them.
#pragma once

#include <catch.hpp>
#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "storage/schema.h"
#include "storage/sqlite_db.h"

namespace trent::testing {

// Makes the database at `path` (created if need be) what trent left at schema `version`, with
// the real migrations up to it.
inline void MigrateOnlyTo(const std::string& path, int64_t version) {
  auto db = storage::OpenReadWrite(path);
  REQUIRE(db.ok());
  auto tx = storage::TxStatements::Prepare(db->get());
  REQUIRE(tx.ok());
  Status migrated = storage::MigrateSchemaTo(db->get(), *tx, version);
  INFO(migrated.message());
  REQUIRE(migrated.ok());
}

// Runs `sql` (any number of statements), which must succeed; creates the file if need be.
inline void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                          nullptr) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close_v2(db);
  INFO(message);
  REQUIRE(rc == SQLITE_OK);
}

// The first column of the first row of one statement ("" when there is no row or it is NULL).
inline std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                          nullptr) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::string result;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  REQUIRE((rc == SQLITE_ROW || rc == SQLITE_DONE));
  return result;
}

}  // namespace trent::testing
