#include "server/kms/usage_flusher.h"

#include <spdlog/spdlog.h>

#include <iterator>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace trent::kms {

Status RestoreLastUsage(storage::UsageRepository& repo, KeyStore& store) {
  return repo.LoadAll([&store](storage::UsageRow& row) {
    KeyPtr key = store.Find(row.key_id);
    std::optional<UsageOperation> operation = ParseUsageOperation(row.operation);
    if (!key || !key->last_usage || !operation) return;
    key->last_usage->Write(*operation, row.used_at_ms, row.request_id);
  });
}

UsageFlusher::UsageFlusher(UsageTracker& tracker, storage::UsageRepository& repo,
                           std::chrono::milliseconds interval)
    : tracker_(tracker), repo_(repo), interval_(interval), thread_([this] { Loop(); }) {}

UsageFlusher::~UsageFlusher() { Stop(); }

void UsageFlusher::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  Flush();
}

void UsageFlusher::Loop() {
  std::unique_lock lock(mu_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    Flush();
    lock.lock();
  }
}

void UsageFlusher::Flush() {
  // After the rows a failed flush left: a key's newer row comes later and wins.
  std::vector<storage::UsageRow> changed = tracker_.TakeChanged();
  unsaved_.insert(unsaved_.end(), std::make_move_iterator(changed.begin()),
                  std::make_move_iterator(changed.end()));
  if (unsaved_.empty()) return;
  Status saved = repo_.Save(unsaved_);
  if (!saved.ok()) {
    // Kept for the next flush, one row per key (its newest), so that a database failing for
    // a long time holds at most one row per key here.
    std::unordered_map<std::string_view, size_t> newest;
    for (size_t i = 0; i < unsaved_.size(); ++i) newest[unsaved_[i].key_id] = i;
    std::vector<bool> keep(unsaved_.size(), false);
    for (const auto& [key_id, i] : newest) keep[i] = true;
    std::vector<storage::UsageRow> kept;
    kept.reserve(newest.size());
    for (size_t i = 0; i < unsaved_.size(); ++i) {
      if (keep[i]) kept.push_back(std::move(unsaved_[i]));
    }
    unsaved_ = std::move(kept);
    spdlog::error("storing the last usage of {} key(s) failed (retried at the next flush): {}",
                  unsaved_.size(), saved.message());
    return;
  }
  spdlog::debug("stored the last usage of {} key(s)", unsaved_.size());
  unsaved_.clear();
}

}  // namespace trent::kms
