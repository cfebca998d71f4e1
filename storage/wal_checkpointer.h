// Checkpoints a database's WAL on a thread of its own, so that the connection that writes
// seldom stops to copy pages into the database.
//
// A checkpoint copies each page changed since the last one from the WAL into the database file
// (a read and a write per page, then an fsync). Done by the writing connection (SQLite's
// automatic checkpoint), it holds up that connection's next commit, and every caller waiting
// for it, for as long as the copy takes: with 8000 pages, about 15 ms here, the p99 of CreateKey.
// The checkpointer takes over from the automatic checkpoint: once a commit leaves the WAL at
// `background_pages` or more it wakes its thread, which checkpoints from a connection of its own
// while the writer goes on committing (SQLite lets one checkpoint run beside one writer). The
// writer checkpoints itself only when the WAL reaches `inline_pages` (the background could not
// keep up), so the WAL stays bounded as before. SQLite starts the WAL over only when a write
// begins with every frame copied, which a writer that never pauses never sees: so once the
// thread has copied all but the last few frames, the next commit copies those itself (a
// short stop) and the WAL starts over.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "storage/sqlite_db.h"

namespace trent::storage {

class WalCheckpointer {
 public:
  struct Thresholds {
    int background_pages = kWalCheckpointPages;
    int inline_pages = 4 * kWalCheckpointPages;
  };

  // Opens a connection of its own to the database at `path` (in WAL mode already) and starts
  // the thread; from then on `writer`'s commits report to it (its WAL hook). `writer` must stay
  // open, and commit only from one thread at a time, until this object is gone.
  static Result<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, sqlite3* writer,
                                                        Thresholds thresholds);
  // Removes the hook and stops the thread (a checkpoint under way finishes first).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints the thread has run, and those the writer ran itself (for tests).
  uint64_t background_checkpoints() const { return background_.load(); }
  uint64_t inline_checkpoints() const { return inline_.load(); }

 private:
  WalCheckpointer(SqliteDb db, sqlite3* writer, Thresholds thresholds);
  // The writer's WAL hook: after each commit, with the WAL's size in pages.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Loop();

  SqliteDb db_;  // the thread's connection
  sqlite3* const writer_;
  const Thresholds thresholds_;
  // The WAL size at which a commit wakes the thread: background_pages past where its last
  // checkpoint stopped, or from the start once the writer starts the WAL over.
  std::atomic<int> wake_at_pages_;
  int last_pages_ = 0;  // the WAL size after the last commit (the writer's only)
  // How far the thread's last checkpoint copied, once it is done with a wake-up (0: nothing
  // left for the writer to finish, see OnCommit).
  std::atomic<int> copied_pages_{0};
  // How many times the WAL started over: the thread's figures about a WAL that has started over
  // since it began are dropped.
  std::atomic<uint64_t> restarts_{0};
  std::atomic<uint64_t> background_{0};
  std::atomic<uint64_t> inline_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool wanted_ = false;    // guarded by mu_: a commit passed background_pages
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;     // last: started once the rest exists
};

}  // namespace trent::storage
