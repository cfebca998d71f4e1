// Deletes keys whose scheduled deletion date has passed, on a background thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "server/kms/key_store.h"

namespace trent::kms {

class DeletionSweeper {
 public:
  // Sweeps once right away, then every `interval`, until destroyed.
  DeletionSweeper(KeyStore& store, const Clock& clock, std::chrono::milliseconds interval);
  ~DeletionSweeper();

  DeletionSweeper(const DeletionSweeper&) = delete;
  DeletionSweeper& operator=(const DeletionSweeper&) = delete;

 private:
  void Loop();

  KeyStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace trent::kms
