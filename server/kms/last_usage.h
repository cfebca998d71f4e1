// GetKeyLastUsage's facts: the last successful cryptographic operation of each key, recorded on
// the hot path without a lock, an allocation or storage, and handed to a background flush.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/kms/identifiers.h"
#include "server/kms/key.h"
#include "storage/usage_repository.h"

namespace trent::kms {

// The operations trent records, a subset of AWS's KeyLastUsage.Operation values.
enum class UsageOperation : uint8_t {
  kEncrypt = 1,
  kDecrypt,
  kReEncrypt,
  kGenerateDataKey,
  kGenerateDataKeyWithoutPlaintext,
  kGenerateDataKeyPair,
  kGenerateDataKeyPairWithoutPlaintext,
  kSign,
  kVerify,
  kGenerateMac,
  kVerifyMac,
  kDeriveSharedSecret,
};
const char* UsageOperationName(UsageOperation operation);
std::optional<UsageOperation> ParseUsageOperation(std::string_view name);

struct Usage {
  UsageOperation operation;
  int64_t at_ms;
  std::string request_id;  // the KMS request id (the CloudTrail event id is made from it)
};

// One key's last use, shared by all the key's snapshots (Key::last_usage). A seqlock: writers
// never wait, readers retry while a write is under way.
class LastUsage {
 public:
  // Request ids longer than this are cut (trent's are 36-character UUIDs).
  static constexpr size_t kRequestIdCapacity = 48;

  // `key_id`: at most kKeyIdSize characters (every key id has exactly that many).
  explicit LastUsage(std::string_view key_id);
  LastUsage(const LastUsage&) = delete;
  LastUsage& operator=(const LastUsage&) = delete;

  std::string_view key_id() const { return {key_id_.data(), key_id_size_}; }

  // Overwrites the record. When another thread is writing it at the same moment this write is
  // dropped (returns false): the two uses are simultaneous and either one is the last.
  bool Write(UsageOperation operation, int64_t at_ms, std::string_view request_id);
  // nullopt until the first write.
  std::optional<Usage> Read() const;

 private:
  friend class UsageTracker;
  static constexpr size_t kWords = kRequestIdCapacity / sizeof(uint64_t);

  // The id is held in the record itself (one record per key, so no allocation of its own);
  // the members are ordered to leave little padding.
  std::array<char, kKeyIdSize> key_id_{};
  uint8_t key_id_size_ = 0;
  std::atomic<uint8_t> operation_{0};
  std::atomic<uint8_t> request_id_size_{0};
  // UsageTracker's list of changed records. `changed_` is set by the writer that lists the
  // record and cleared by the flush that takes it off; `next_changed_`, `listed_` (which
  // keeps the record alive while listed, even if its key is deleted) and `listed_key_seq_`
  // (the key's seq, which storage finds it by: a stored key's, unknown when the record is
  // made) belong to whoever set it.
  std::atomic<bool> changed_{false};
  std::atomic<uint32_t> seq_{0};  // odd while a write is under way
  std::atomic<int64_t> at_ms_{0};
  std::array<std::atomic<uint64_t>, kWords> request_id_{};
  LastUsage* next_changed_ = nullptr;
  std::shared_ptr<LastUsage> listed_;
  int64_t listed_key_seq_ = 0;
};

// Records uses and hands the changed records to the flush.
class UsageTracker {
 public:
  // `tracking_start_ms`: when this database began tracking (see UsageRepository).
  explicit UsageTracker(int64_t tracking_start_ms) : tracking_start_ms_(tracking_start_ms) {}
  ~UsageTracker();

  // The hot path: a successful cryptographic operation with `key`. Lock-free, allocates nothing.
  void Record(const Key& key, UsageOperation operation, int64_t at_ms,
              std::string_view request_id);

  // The records changed since the last call, as they are now, and forgets them.
  std::vector<storage::UsageRow> TakeChanged();

  // AWS's TrackingStartDate: when tracking began for this key (its creation, or for a key
  // older than tracking, the start of tracking).
  int64_t TrackingStartFor(const Key& key) const;

 private:
  const int64_t tracking_start_ms_;
  std::atomic<LastUsage*> changed_{nullptr};  // a stack of records, linked by next_changed_
};

}  // namespace trent::kms
