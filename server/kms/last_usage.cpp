#include "server/kms/last_usage.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <thread>

namespace trent::kms {

const char* UsageOperationName(UsageOperation operation) {
  switch (operation) {
    case UsageOperation::kEncrypt: return "Encrypt";
    case UsageOperation::kDecrypt: return "Decrypt";
    case UsageOperation::kReEncrypt: return "ReEncrypt";
    case UsageOperation::kGenerateDataKey: return "GenerateDataKey";
    case UsageOperation::kGenerateDataKeyWithoutPlaintext: return "GenerateDataKeyWithoutPlaintext";
    case UsageOperation::kGenerateDataKeyPair: return "GenerateDataKeyPair";
    case UsageOperation::kGenerateDataKeyPairWithoutPlaintext:
      return "GenerateDataKeyPairWithoutPlaintext";
    case UsageOperation::kSign: return "Sign";
    case UsageOperation::kVerify: return "Verify";
    case UsageOperation::kGenerateMac: return "GenerateMac";
    case UsageOperation::kVerifyMac: return "VerifyMac";
    case UsageOperation::kDeriveSharedSecret: return "DeriveSharedSecret";
  }
  return "Encrypt";
}

std::optional<UsageOperation> ParseUsageOperation(std::string_view name) {
  for (auto op = static_cast<uint8_t>(UsageOperation::kEncrypt);
       op <= static_cast<uint8_t>(UsageOperation::kDeriveSharedSecret); ++op) {
    if (name == UsageOperationName(static_cast<UsageOperation>(op))) {
      return static_cast<UsageOperation>(op);
    }
  }
  return std::nullopt;
}

LastUsage::LastUsage(std::string_view key_id)
    : key_id_size_(static_cast<uint8_t>(std::min(key_id.size(), kKeyIdSize))) {
  assert(key_id.size() <= kKeyIdSize);
  std::memcpy(key_id_.data(), key_id.data(), key_id_size_);
}

bool LastUsage::Write(UsageOperation operation, int64_t at_ms, std::string_view request_id) {
  uint32_t seq = seq_.load(std::memory_order_relaxed);
  if ((seq & 1) != 0 ||
      !seq_.compare_exchange_strong(seq, seq + 1, std::memory_order_relaxed)) {
    return false;
  }
  // Readers that see any of the stores below also see the odd sequence number.
  std::atomic_thread_fence(std::memory_order_release);
  operation_.store(static_cast<uint8_t>(operation), std::memory_order_relaxed);
  at_ms_.store(at_ms, std::memory_order_relaxed);
  const size_t size = std::min(request_id.size(), kRequestIdCapacity);
  request_id_size_.store(static_cast<uint8_t>(size), std::memory_order_relaxed);
  for (size_t w = 0; w * sizeof(uint64_t) < size; ++w) {
    uint64_t word = 0;
    std::memcpy(&word, request_id.data() + w * sizeof(uint64_t),
                std::min(sizeof(uint64_t), size - w * sizeof(uint64_t)));
    request_id_[w].store(word, std::memory_order_relaxed);
  }
  // seq_cst, not only release: UsageTracker::Record's next load of changed_ must not be ordered
  // before it (see TakeChanged).
  seq_.store(seq + 2, std::memory_order_seq_cst);
  return true;
}

std::optional<Usage> LastUsage::Read() const {
  while (true) {
    const uint32_t before = seq_.load(std::memory_order_seq_cst);
    if (before == 0) return std::nullopt;
    if ((before & 1) != 0) {  // a write is under way: short, unless its thread was preempted
      std::this_thread::yield();
      continue;
    }
    Usage usage;
    usage.operation = static_cast<UsageOperation>(operation_.load(std::memory_order_relaxed));
    usage.at_ms = at_ms_.load(std::memory_order_relaxed);
    const size_t size = request_id_size_.load(std::memory_order_relaxed);
    char text[kRequestIdCapacity];
    for (size_t w = 0; w < kWords; ++w) {
      const uint64_t word = request_id_[w].load(std::memory_order_relaxed);
      std::memcpy(text + w * sizeof(uint64_t), &word, sizeof word);
    }
    std::atomic_thread_fence(std::memory_order_acquire);
    if (seq_.load(std::memory_order_relaxed) != before) continue;  // torn: read again
    usage.request_id.assign(text, std::min(size, kRequestIdCapacity));
    return usage;
  }
}

UsageTracker::~UsageTracker() {
  // Listed records hold themselves alive; let go of them.
  for (LastUsage* node = changed_.exchange(nullptr); node != nullptr;) {
    LastUsage* next = node->next_changed_;
    std::shared_ptr<LastUsage> release = std::move(node->listed_);
    node = next;
  }
}

void UsageTracker::Record(const Key& key, UsageOperation operation, int64_t at_ms,
                          std::string_view request_id) {
  LastUsage* usage = key.last_usage.get();
  if (usage == nullptr || !usage->Write(operation, at_ms, request_id)) return;
  // Under load a key is used again before the flush takes it: then it is already listed, and
  // this costs one load.
  if (usage->changed_.load(std::memory_order_seq_cst) || usage->changed_.exchange(true)) return;
  usage->listed_ = key.last_usage;  // a reference count increment, no allocation
  usage->listed_key_seq_ = key.seq;
  LastUsage* head = changed_.load(std::memory_order_relaxed);
  do {
    usage->next_changed_ = head;
  } while (!changed_.compare_exchange_weak(head, usage, std::memory_order_release,
                                           std::memory_order_relaxed));
}

std::vector<storage::UsageRow> UsageTracker::TakeChanged() {
  std::vector<storage::UsageRow> rows;
  for (LastUsage* node = changed_.exchange(nullptr, std::memory_order_acquire); node != nullptr;) {
    LastUsage* next = node->next_changed_;
    std::shared_ptr<LastUsage> alive = std::move(node->listed_);
    const int64_t key_seq = node->listed_key_seq_;
    // Cleared before the read: a write the read misses finds changed_ false (both sides are
    // seq_cst) and lists the record again for the next flush.
    node->changed_.store(false, std::memory_order_seq_cst);
    if (std::optional<Usage> usage = node->Read()) {
      rows.push_back({std::string(node->key_id()), key_seq,
                      UsageOperationName(usage->operation), usage->at_ms,
                      std::move(usage->request_id)});
    }
    node = next;
  }
  return rows;
}

int64_t UsageTracker::TrackingStartFor(const Key& key) const {
  return std::max(key.created_at_ms, tracking_start_ms_);
}

}  // namespace trent::kms
