#include "storage/wal_checkpointer.h"

#include <utility>

namespace trent::storage {

Result<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                                sqlite3* writer,
                                                                Thresholds thresholds) {
  // Its own calls are serialised by its one thread.
  TRY(SqliteDb db, OpenReadWrite(path, SQLITE_OPEN_NOMUTEX));
  // A checkpoint syncs the WAL before it copies from it and the database after.
  TRY_STATUS(ExecSql(db.get(), "PRAGMA synchronous = FULL"));
  return std::unique_ptr<WalCheckpointer>(
      new WalCheckpointer(std::move(db), writer, thresholds));
}

WalCheckpointer::WalCheckpointer(SqliteDb db, sqlite3* writer, Thresholds thresholds)
    : db_(std::move(db)),
      writer_(writer),
      thresholds_(thresholds),
      wake_at_pages_(thresholds.background_pages) {
  thread_ = std::thread([this] { Loop(); });
  // Replaces the writer's automatic checkpoint (itself a WAL hook).
  sqlite3_wal_hook(writer_, &WalCheckpointer::OnCommit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int WalCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (pages < checkpointer->last_pages_) {
    // Started over: what the thread copied before is behind it.
    ++checkpointer->restarts_;
    checkpointer->wake_at_pages_ = checkpointer->thresholds_.background_pages;
    checkpointer->copied_pages_ = 0;
  }
  checkpointer->last_pages_ = pages;
  // What the thread left behind is a few commits' worth (copied now, the WAL starts over at
  // the next commit), or the thread is far behind (or kept from copying by a reader). An
  // outcome other than OK (a checkpoint under way on the thread) leaves it to that one.
  constexpr int kCatchUpPages = 64;
  const int copied = checkpointer->copied_pages_.load();
  const bool catch_up = copied > 0 && pages >= copied && pages - copied <= kCatchUpPages;
  if (catch_up || pages >= checkpointer->thresholds_.inline_pages) {
    checkpointer->copied_pages_ = 0;
    if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) ==
        SQLITE_OK) {
      ++checkpointer->inline_;
    }
    return SQLITE_OK;
  }
  if (pages >= checkpointer->wake_at_pages_) {
    bool woken;
    {
      std::lock_guard lock(checkpointer->mu_);
      woken = !checkpointer->wanted_;
      checkpointer->wanted_ = true;
    }
    if (woken) checkpointer->wake_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::Loop() {
  // Rounds per wake-up: each copies what the writer committed during the one before, so they
  // shrink; once one copies everything, the writer's next commit starts the WAL over.
  constexpr int kMaxRounds = 4;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
    }
    const uint64_t restarts = restarts_.load();
    // The WAL's size and how much of it is copied, as the last round that succeeded left them.
    int frames = 0;
    int copied = 0;
    for (int round = 0; round < kMaxRounds; ++round) {
      int round_frames = 0;
      int round_copied = 0;
      // A failure (a lock another connection holds, an I/O error) leaves the frames in the WAL
      // for the next checkpoint, here or inline.
      if (sqlite3_wal_checkpoint_v2(db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE, &round_frames,
                                    &round_copied) != SQLITE_OK) {
        break;
      }
      ++background_;
      frames = round_frames;
      copied = round_copied;
      if (copied >= frames) break;
    }
    // Not again before the WAL has grown as much once more (or starts over).
    if (restarts_.load() != restarts) continue;  // an inline checkpoint finished it meanwhile
    wake_at_pages_ = frames + thresholds_.background_pages;
    // What the writer finishes (see OnCommit): from where the copy stopped, which is the WAL's
    // end only when the last round caught up.
    copied_pages_ = copied;
  }
}

}  // namespace trent::storage
