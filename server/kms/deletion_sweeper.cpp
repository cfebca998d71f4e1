#include "server/kms/deletion_sweeper.h"

#include <spdlog/spdlog.h>

namespace trent::kms {

DeletionSweeper::DeletionSweeper(KeyStore& store, const Clock& clock,
                                 std::chrono::milliseconds interval)
    : store_(store), clock_(clock), interval_(interval), thread_([this] { Loop(); }) {}

DeletionSweeper::~DeletionSweeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  swept_.notify_all();
  thread_.join();
}

void DeletionSweeper::RunNow() {
  std::unique_lock lock(mu_);
  const uint64_t ticket = ++requested_;
  wake_.notify_all();
  swept_.wait(lock, [&] { return completed_ >= ticket || stopping_; });
}

void DeletionSweeper::Loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const uint64_t serving = requested_;  // every RunNow so far is served by this sweep
    lock.unlock();
    auto purged = store_.PurgeExpired(clock_.NowMillis());
    if (!purged.ok()) {
      spdlog::error("deleting expired keys failed: {}", purged.status().message());
    } else if (*purged > 0) {
      spdlog::info("deleted {} key(s) whose deletion date had passed", *purged);
    }
    auto rotated = store_.RotateDue(clock_.NowMillis());
    if (!rotated.ok()) {
      spdlog::error("rotating keys failed: {}", rotated.status().message());
    } else if (*rotated > 0) {
      spdlog::info("rotated {} key(s) whose rotation date had passed", *rotated);
    }
    lock.lock();
    completed_ = serving;
    swept_.notify_all();
    wake_.wait_for(lock, interval_, [this] { return stopping_ || requested_ > completed_; });
  }
}

}  // namespace trent::kms
