// Keeps the latest request records and fans each new one out to live subscribers (the admin
// API's StreamRecords and `trentctl tail`). Memory is bounded: a fixed number of recent records,
// and a bounded queue per subscriber that drops its oldest records when the reader falls behind.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "common/thread_annotations.h"
#include "server/records/record.h"

namespace trent::records {

class RecordHub final : public RecordSink {
 public:
  class Subscription;

  // `recent`: how many of the latest records Recent() can return; `queue`: how many records a
  // subscriber that does not read may have waiting before the oldest are dropped.
  RecordHub(size_t recent, size_t queue);
  ~RecordHub() override;

  void Publish(RequestRecord record) override EXCLUDES(mu_);

  // Up to `limit` of the latest records, oldest first.
  std::vector<RequestRecord> Recent(size_t limit) const EXCLUDES(mu_);

  // Records published from now on; the subscription ends when it is destroyed or the hub closes.
  std::shared_ptr<Subscription> Subscribe() EXCLUDES(mu_);
  // Up to `limit` of the latest records into `recent` (as Recent), and the records published
  // after them, taken together: each record is in one of the two.
  std::shared_ptr<Subscription> Subscribe(size_t limit, std::vector<RequestRecord>& recent)
      EXCLUDES(mu_);

  // Ends every subscription (their Next returns at once); later Subscribe calls get closed ones.
  void Close() EXCLUDES(mu_);

 private:
  friend class Subscription;
  struct Subscriber;

  std::vector<RequestRecord> RecentLocked(size_t limit) const REQUIRES(mu_);
  std::shared_ptr<Subscription> SubscribeLocked() REQUIRES(mu_);

  const size_t recent_capacity_;
  const size_t queue_capacity_;
  mutable Mutex mu_;
  std::condition_variable_any published_;  // with mu_: new records, or closed
  std::deque<RequestRecord> recent_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Subscriber>> subscribers_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

class RecordHub::Subscription {
 public:
  explicit Subscription(std::shared_ptr<Subscriber> subscriber, RecordHub* hub)
      : subscriber_(std::move(subscriber)), hub_(hub) {}
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // The records published since the last call, waiting up to `timeout` for at least one; empty
  // on timeout or once closed.
  std::vector<RequestRecord> Next(std::chrono::milliseconds timeout);
  bool closed() const;
  // How many records this subscriber lost because it read too slowly.
  uint64_t dropped() const;

 private:
  std::shared_ptr<Subscriber> subscriber_;
  RecordHub* hub_;
};

}  // namespace trent::records
