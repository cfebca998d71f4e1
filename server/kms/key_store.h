// All keys, held in memory for the hot path and written through to storage before any
// change is acknowledged. Key versions are unwrapped in the HSM through a bounded MaterialCache.
//
// Thread-safe. Readers get immutable snapshots (KeyPtr); a change swaps the snapshot.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "hsm/hsm.h"
#include "server/kms/key.h"
#include "server/kms/material_cache.h"
#include "storage/key_repository.h"

namespace trent::kms {

// What a caller chooses when creating a key; the store fills in the rest.
struct NewKeySpec {
  std::string account;
  std::string region;
  std::string description;
  std::string key_usage = "ENCRYPT_DECRYPT";
  std::string key_spec = "SYMMETRIC_DEFAULT";
  std::string policy;
  std::vector<Tag> tags;
};

class KeyStore {
 public:
  // Loads every key from `repo`. Both must outlive the store. At most `key_cache_size` key
  // versions are kept unwrapped in the HSM.
  static Result<std::unique_ptr<KeyStore>> Load(
      storage::KeyRepository& repo, hsm::Hsm& hsm,
      size_t key_cache_size = MaterialCache::kDefaultCapacity);

  // Generates the first key version in the HSM and stores the key durably.
  Result<KeyPtr> Create(const NewKeySpec& spec, int64_t now_ms);

  // nullptr when no such key.
  KeyPtr Find(std::string_view key_id) const;
  // The key owning a version id, nullptr when none.
  KeyPtr FindByVersion(std::string_view version_id) const;

  // Up to `limit` keys of (account, region) with seq > after_seq, in creation order.
  std::vector<KeyPtr> List(std::string_view account, std::string_view region, int64_t after_seq,
                           size_t limit) const;

  // Persists a new state, then publishes it. Returns the new snapshot.
  Result<KeyPtr> SetState(const Key& key, KeyState state, std::optional<int64_t> deletion_date_ms,
                          std::optional<int32_t> pending_window_days);

  // Deletes every key whose deletion date is at or before now: rows and wrapped material from
  // storage, unwrapped material from the HSM. Returns how many were deleted.
  Result<size_t> PurgeExpired(int64_t now_ms);

  // The HSM handle of one of the key's versions, unwrapping it if it is not cached; valid while
  // the pin lives. NotFoundException once the key has been deleted.
  Result<MaterialCache::Pin> HandleFor(const Key& key, const KeyVersion& version);

  hsm::Hsm& hsm() { return hsm_; }

 private:
  KeyStore(storage::KeyRepository& repo, hsm::Hsm& hsm, size_t key_cache_size)
      : repo_(repo), hsm_(hsm), material_(hsm, key_cache_size) {}
  void Publish(KeyPtr key);   // requires mu_ held exclusively
  Status Delete(const Key& key);  // requires write_mu_ held

  storage::KeyRepository& repo_;
  hsm::Hsm& hsm_;
  MaterialCache material_;
  // Serialises changes: storage is written under it, so readers (mu_) never wait for a disk sync.
  std::mutex write_mu_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, KeyPtr> by_id_;
  std::unordered_map<std::string, std::string> key_id_by_version_;
  std::map<int64_t, KeyPtr> by_seq_;
};

}  // namespace trent::kms
