#include "server/records/record_hub.h"

#include <algorithm>

namespace trent::records {

struct RecordHub::Subscriber {
  std::deque<RequestRecord> queue;  // guarded by the hub's mu_
  uint64_t dropped = 0;             // guarded by the hub's mu_
  bool closed = false;              // guarded by the hub's mu_
};

RecordHub::RecordHub(size_t recent, size_t queue)
    : recent_capacity_(std::max<size_t>(recent, 1)), queue_capacity_(std::max<size_t>(queue, 1)) {}

RecordHub::~RecordHub() { Close(); }

void RecordHub::Publish(RequestRecord record) {
  MutexLock lock(mu_);
  for (const auto& s : subscribers_) {
    if (s->queue.size() == queue_capacity_) {
      s->queue.pop_front();
      ++s->dropped;
    }
    s->queue.push_back(record);
  }
  if (recent_.size() == recent_capacity_) recent_.pop_front();
  recent_.push_back(std::move(record));
  if (!subscribers_.empty()) published_.notify_all();
}

std::vector<RequestRecord> RecordHub::Recent(size_t limit) const {
  MutexLock lock(mu_);
  return RecentLocked(limit);
}

std::vector<RequestRecord> RecordHub::RecentLocked(size_t limit) const {
  const size_t n = std::min(limit, recent_.size());
  return {recent_.end() - static_cast<std::ptrdiff_t>(n), recent_.end()};
}

std::shared_ptr<RecordHub::Subscription> RecordHub::Subscribe() {
  MutexLock lock(mu_);
  return SubscribeLocked();
}

std::shared_ptr<RecordHub::Subscription> RecordHub::Subscribe(size_t limit,
                                                              std::vector<RequestRecord>& recent) {
  MutexLock lock(mu_);
  recent = RecentLocked(limit);
  return SubscribeLocked();
}

std::shared_ptr<RecordHub::Subscription> RecordHub::SubscribeLocked() {
  auto subscriber = std::make_shared<Subscriber>();
  if (closed_) {
    subscriber->closed = true;
  } else {
    subscribers_.push_back(subscriber);
  }
  return std::make_shared<Subscription>(std::move(subscriber), this);
}

void RecordHub::Close() {
  MutexLock lock(mu_);
  closed_ = true;
  for (const auto& s : subscribers_) s->closed = true;
  subscribers_.clear();
  published_.notify_all();
}

RecordHub::Subscription::~Subscription() {
  MutexLock lock(hub_->mu_);
  auto& subs = hub_->subscribers_;
  subs.erase(std::remove(subs.begin(), subs.end(), subscriber_), subs.end());
}

std::vector<RequestRecord> RecordHub::Subscription::Next(std::chrono::milliseconds timeout) {
  MutexLock lock(hub_->mu_);
  hub_->published_.wait_for(hub_->mu_, timeout, [this]() NO_THREAD_SAFETY_ANALYSIS {
    return !subscriber_->queue.empty() || subscriber_->closed;
  });
  std::vector<RequestRecord> out(std::make_move_iterator(subscriber_->queue.begin()),
                                 std::make_move_iterator(subscriber_->queue.end()));
  subscriber_->queue.clear();
  return out;
}

bool RecordHub::Subscription::closed() const {
  MutexLock lock(hub_->mu_);
  return subscriber_->closed;
}

uint64_t RecordHub::Subscription::dropped() const {
  MutexLock lock(hub_->mu_);
  return subscriber_->dropped;
}

}  // namespace trent::records
