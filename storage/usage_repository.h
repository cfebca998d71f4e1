// Durable last usage of keys (GetKeyLastUsage), written by a background flush, never on the
// request path. A separate connection to the same database as KeyRepository.
//
// Not thread-safe: one flushing thread uses it (and startup, before that thread runs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace trent::storage {

struct UsageRow {
  std::string key_id;
  int64_t key_seq = 0;     // the key's seq (KeyRow::seq), which storage finds it by
  std::string operation;   // AWS's name, e.g. "Encrypt"
  int64_t used_at_ms = 0;
  std::string request_id;
};

class UsageRepository {
 public:
  // Opens (creating if needed) the database at `path` and runs every pending migration.
  static Result<std::unique_ptr<UsageRepository>> Open(const std::string& path);
  virtual ~UsageRepository() = default;

  // When tracking began in this database: the time of the migration that added it, so a key
  // created before then has no record of its earlier uses.
  virtual Result<int64_t> TrackingStartMs() = 0;

  // Calls `each` with every stored row.
  virtual Status LoadAll(const std::function<void(UsageRow&)>& each) = 0;

  // Stores `rows` (each replacing its key's row) in one transaction. A row of a key that is no
  // longer stored is skipped. Not synced to disk on its own (synchronous=NORMAL): it survives a
  // crash of trentd, and reaches the disk with the next key write or checkpoint.
  virtual Status Save(const std::vector<UsageRow>& rows) = 0;
};

}  // namespace trent::storage
