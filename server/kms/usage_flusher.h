// Persists last usage (UsageTracker) in the background, and restores it at start.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/kms/key_store.h"
#include "server/kms/last_usage.h"
#include "storage/usage_repository.h"

namespace trent::kms {

// Gives every key of `store` its stored last usage. Rows of unknown keys are ignored.
Status RestoreLastUsage(storage::UsageRepository& repo, KeyStore& store);

class UsageFlusher {
 public:
  // Stores what changed every `interval`, until Stop. What a kill -9 loses is what changed
  // since the last flush: at most `interval` of uses.
  UsageFlusher(UsageTracker& tracker, storage::UsageRepository& repo,
               std::chrono::milliseconds interval);
  ~UsageFlusher();  // Stop()

  // Stops the thread, then stores what changed since its last flush. Idempotent.
  void Stop();

  UsageFlusher(const UsageFlusher&) = delete;
  UsageFlusher& operator=(const UsageFlusher&) = delete;

 private:
  void Loop();
  void Flush();

  UsageTracker& tracker_;
  storage::UsageRepository& repo_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  // Rows a failed flush could not store; only the flushing thread (then Stop) touches them.
  std::vector<storage::UsageRow> unsaved_;
  std::thread thread_;
};

}  // namespace trent::kms
