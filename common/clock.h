// The time source. Tests (and trentd --test-clock) replace it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace trent {

constexpr int64_t kMillisPerSecond = 1000;
constexpr int64_t kMillisPerDay = 24LL * 60 * 60 * kMillisPerSecond;

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMillis() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_millis) : now_(start_millis) {}
  int64_t NowMillis() const override { return now_.load(); }
  void Advance(int64_t millis) { now_ += millis; }

 private:
  std::atomic<int64_t> now_;
};

// The system clock moved forward by an offset that only grows: a test-only clock for trentd
// (--test-clock), so that tests see dates days or years ahead pass. It keeps running.
class TestClock final : public Clock {
 public:
  int64_t NowMillis() const override { return system_.NowMillis() + offset_.load(); }
  void Advance(int64_t millis) { offset_ += millis; }
  int64_t OffsetMillis() const { return offset_.load(); }

 private:
  SystemClock system_;
  std::atomic<int64_t> offset_{0};
};

}  // namespace trent
