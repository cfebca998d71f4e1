// The background task: deletes keys whose scheduled deletion date has passed and rotates keys
// whose automatic rotation date has passed, on a background thread. Its first sweep, at start,
// catches up with the dates passed while trentd was down.
#pragma once

#include <chrono>
#include <cstdint>
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

  // Sweeps now, at the clock's current time, and returns once that sweep is done (the test
  // clock calls it after moving). Returns at once when the sweeper is stopping.
  void RunNow();

  DeletionSweeper(const DeletionSweeper&) = delete;
  DeletionSweeper& operator=(const DeletionSweeper&) = delete;

 private:
  void Loop();

  KeyStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;   // the loop waits on it
  std::condition_variable swept_;  // RunNow waits on it
  bool stopping_ = false;
  // Sweeps asked for by RunNow, and the last of them a finished sweep began after.
  uint64_t requested_ = 0;
  uint64_t completed_ = 0;
  std::thread thread_;
};

}  // namespace trent::kms
