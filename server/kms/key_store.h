// All keys and their aliases, held in memory for the hot path and written through to storage
// before any change is acknowledged. Key versions are unwrapped in the HSM through a bounded MaterialCache.
//
// Thread-safe. Readers get immutable snapshots (KeyPtr) and never wait for the disk. Every
// change to a key goes through one write path (LevelDB's VersionEdit + LogAndApply): it is
// decided on the current key under the writer lock, persisted, then published as a new
// snapshot. Concurrent changes are committed together: one committer thread takes every
// pending change, writes them in one transaction with one fsync, publishes them and answers
// each (group commit), then goes straight on to the changes queued meanwhile.
#pragma once

#include <boost/unordered/unordered_flat_map.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/thread_annotations.h"
#include "hsm/hsm.h"
#include "server/kms/alias.h"
#include "server/kms/aws_managed_keys.h"
#include "server/kms/key.h"
#include "server/kms/material_cache.h"
#include "storage/key_repository.h"

namespace trent::kms {

// What a caller chooses when creating a key; the store fills in the rest.
struct NewKeySpec {
  std::string account;
  std::string region;
  std::string description;
  std::string key_usage = kEncryptDecrypt;
  std::string key_spec = kSymmetricDefault;
  // The key policy's text; empty: AWS's default key policy for the account (DefaultKeyPolicy).
  std::string policy;
  // `policy` parsed, when the caller has parsed it already (ParseKeyPolicy); else the store
  // parses it.
  policy::DocumentPtr policy_document;
  // The new key's id; empty: a new random one. (CreateKey chooses it first when it must check
  // a policy against the key's ARN.)
  std::string key_id;
  std::vector<Tag> tags;
  // kAwsKeyManager for AWS managed keys (FindOrCreateAwsManagedKey), which the key quota
  // does not count.
  std::string key_manager = kCustomerKeyManager;
  // Set: automatic rotation on from the start, with this period (AWS managed keys, seeds).
  std::optional<int32_t> rotation_period_days;
  // With rotation_period_days: the first rotation's date; unset: one period from creation.
  std::optional<int64_t> next_rotation_ms;
  // The key's material when it is given rather than generated (a seed file): one entry per
  // key version, oldest first (the last is current), each as hsm::Hsm::ImportKey takes it,
  // imported into the HSM. Such versions' ids and KeyMaterialIds are SeededVersionIds of the
  // key id and the material, so that the same seed gives the same ids on any data dir. Needs
  // key_id. Not owned: the caller keeps it alive until Create returns.
  std::span<const SecretBytes> material;
  std::string origin = kOriginAwsKms;
};

// The ids of a key version made from given material: HMAC-SHA-256 keyed with the material,
// over a label and the key id (the version id: the first KeyVersion::kIdSize bytes of one
// label's; the KeyMaterialId: the other label's). The same key id and material give
// the same ids; they tell nothing of the material.
struct SeededIds {
  KeyVersion::Id version_id;
  KeyMaterialId key_material_id;
};
Result<SeededIds> SeededVersionIds(std::string_view key_id, const SecretBytes& material);

// A change to one key. It gets a copy of the key as it is now, under the writer lock, and
// turns it into the next key, or returns the AWS error that refuses the change (then nothing
// changes). Every other write waits while it runs: it must be quick and must not block. It
// may change anything but the id and seq, and may append versions but never drop or alter one.
// It may append grants and erase grants, never reorder or replace one: only the grants it
// added or erased are written to storage, in the same transaction as the rest of the change.
using KeyEdit = std::function<Status(Key& key)>;

// Which keys of every account and region an admin operation takes (ListIn, DeleteAll): those of
// `account` and of `region`; an unset one matches any.
struct KeyScope {
  std::optional<std::string> account;
  std::optional<std::string> region;
  bool Contains(const Key& key) const;
};

class KeyStore {
 public:
  // Loads every key from `repo`. Both must outlive the store. `key_quota`: how many keys an
  // account may hold in one region, whatever their state (LimitExceededException beyond). At
  // most `key_cache_size` key versions are kept unwrapped in the HSM.
  static Result<std::unique_ptr<KeyStore>> Load(storage::KeyRepository& repo, hsm::Hsm& hsm,
                                                int64_t key_quota, size_t key_cache_size);
  // Commits what is queued, then stops the committer.
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // Generates the first key version in the HSM and stores the key durably. When the key is
  // not stored (refused, or the disk fails), what the HSM made for it is removed again.
  Result<KeyPtr> Create(const NewKeySpec& spec, int64_t now_ms) EXCLUDES(queue_mu_, write_mu_);
  // Create without waiting: generates the material, queues the key and returns; `done` gets
  // the outcome once the key is stored durably (or refused), on the committer thread (it must
  // be quick and must not block: hand the rest to another thread), or at once, on this thread,
  // when the material could not be made.
  using CreateDone = std::function<void(Result<KeyPtr>)>;
  void CreateThen(const NewKeySpec& spec, int64_t now_ms, CreateDone done)
      EXCLUDES(queue_mu_, write_mu_);

  // The AWS managed key `alias_name` (an "alias/aws/..." name) points to in spec's account and
  // region; when there is none yet, a new key made from `spec` and the alias, stored together
  // (of concurrent first uses, one creates the key and all get it).
  Result<KeyPtr> FindOrCreateAwsManagedKey(const NewKeySpec& spec, std::string_view alias_name,
                                           int64_t now_ms) EXCLUDES(queue_mu_, write_mu_);

  // nullptr when no such key.
  KeyPtr Find(std::string_view key_id) const EXCLUDES(mu_);
  // The key owning a version id, nullptr when none.
  KeyPtr FindByVersion(std::string_view version_id) const EXCLUDES(mu_);

  // Every key in `scope`, in creation order.
  std::vector<KeyPtr> ListIn(const KeyScope& scope) const EXCLUDES(mu_);
  // How many keys the store holds, of every account and region.
  size_t size() const EXCLUDES(mu_);
  // The customer keys of (account, region), every state counted: the key quota's own count.
  int64_t CustomerKeyCount(std::string_view account, std::string_view region)
      EXCLUDES(write_mu_);
  // How many keys the quota lets an account hold in one region.
  int64_t key_quota() const { return key_quota_; }

  // Up to `limit` keys of (account, region) with seq > after_seq, in creation order.
  std::vector<KeyPtr> List(std::string_view account, std::string_view region, int64_t after_seq,
                           size_t limit) const EXCLUDES(mu_);

  // The one way to change a key (`key` names it; the edit sees the key as it is when its turn
  // comes). Returns the key after the edit, the edit's error, or NotFoundException when the key
  // is gone. Blocks until the change is on disk.
  Result<KeyPtr> Update(const Key& key, const KeyEdit& edit) EXCLUDES(queue_mu_, write_mu_);
  // Update without waiting: queues the change and returns; `done` gets Update's outcome once
  // the change is on disk (or refused), on the committer thread (it must be quick and must not
  // block: hand the rest to another thread).
  using UpdateDone = std::function<void(Result<KeyPtr>)>;
  void UpdateThen(KeyPtr key, KeyEdit edit, UpdateDone done) EXCLUDES(queue_mu_, write_mu_);

  // Alias changes, through the same write path as key changes: each is decided on the aliases
  // and keys as the changes before it leave them (AlreadyExistsException, NotFoundException,
  // the target's state, LimitExceededException per key) and stored in the same transaction.
  // `target` names the key (its id); it must be of the alias's account and region.
  Status CreateAlias(std::string_view account, std::string_view region, std::string_view name,
                     const Key& target, int64_t now_ms) EXCLUDES(queue_mu_, write_mu_);
  Status UpdateAlias(std::string_view account, std::string_view region, std::string_view name,
                     const Key& target, int64_t now_ms) EXCLUDES(queue_mu_, write_mu_);
  Status DeleteAlias(std::string_view account, std::string_view region, std::string_view name)
      EXCLUDES(queue_mu_, write_mu_);
  // Any of the three by its op (`target` is null for kDelete), waiting or not: `done` gets the
  // outcome once the change is on disk (or refused), on the committer thread (it must be quick
  // and must not block).
  enum class AliasOp { kCreate, kUpdate, kDelete };
  Status ChangeAlias(AliasOp op, std::string_view account, std::string_view region,
                     std::string_view name, const Key* target, int64_t now_ms)
      EXCLUDES(queue_mu_, write_mu_);
  using AliasDone = std::function<void(Status)>;
  void ChangeAliasThen(AliasOp op, std::string_view account, std::string_view region,
                       std::string_view name, KeyPtr target, int64_t now_ms, AliasDone done)
      EXCLUDES(queue_mu_, write_mu_);

  // nullptr when no such alias.
  AliasPtr FindAlias(std::string_view account, std::string_view region,
                     std::string_view name) const EXCLUDES(mu_);
  // Up to `limit` aliases of (account, region) named after `after_name`, in name order.
  std::vector<AliasPtr> ListAliases(std::string_view account, std::string_view region,
                                    std::string_view after_name, size_t limit) const
      EXCLUDES(mu_);
  // Every key of `region` (of any account) that has grants, in key id order
  // (ListRetirableGrants).
  std::vector<KeyPtr> KeysWithGrants(std::string_view region) const EXCLUDES(mu_);

  // Every alias pointing to the key, in name order.
  std::vector<AliasPtr> AliasesOf(std::string_view key_id) const EXCLUDES(mu_);

  // Rotates the key now (RotationType ON_DEMAND): new material generated in the HSM becomes its
  // current version. ConflictException while another on-demand rotation of the key is in
  // progress; the rules of RequireOnDemandRotationAllowed, decided on the key as it is when the
  // change commits. Done when it returns (stored durably).
  Result<KeyPtr> RotateOnDemand(const Key& key, int64_t now_ms) EXCLUDES(queue_mu_, write_mu_);
  // When an on-demand rotation of the key is in progress, the time it started.
  std::optional<int64_t> OnDemandRotationStart(const std::string& key_id) const;

  // Rotates (AUTOMATIC) every key whose automatic rotation is due at `now_ms` (RotationDue),
  // one rotation each, however many dates passed. Returns how many were rotated.
  Result<size_t> RotateDue(int64_t now_ms) EXCLUDES(queue_mu_, write_mu_);

  // Deletes every key whose deletion date is at or before now, with its aliases: rows and
  // wrapped material from storage, unwrapped material from the HSM. Each deletion is re-decided on the current key
  // and committed in batches, so other writes go on meanwhile. Returns how many were deleted.
  Result<size_t> PurgeExpired(int64_t now_ms) EXCLUDES(queue_mu_, write_mu_);

  // Deletes every key in `scope` whatever its state (the admin API's Reset), with its aliases and
  // grants, as PurgeExpired deletes: in batches, through the same write path, so other writes go
  // on meanwhile. A key created while it runs may be left. Returns how many were deleted.
  Result<size_t> DeleteAll(const KeyScope& scope) EXCLUDES(queue_mu_, write_mu_);
  // Deletes these keys whatever their state, as DeleteAll does (a seed undoing what it created).
  // A key gone already is skipped. Returns how many were deleted.
  Result<size_t> DeleteKeys(const std::vector<KeyPtr>& keys) EXCLUDES(queue_mu_, write_mu_);

  // The HSM handle of one of the key's versions, unwrapping it if it is not cached; valid while
  // the pin lives. NotFoundException once the key has been deleted.
  Result<MaterialCache::Pin> HandleFor(const Key& key, const KeyVersion& version);

  hsm::Hsm& hsm() { return hsm_; }
  const hsm::Hsm& hsm() const { return hsm_; }
  MaterialCache::Stats cache_stats() const { return material_.stats(); }
  // Called with the number of changes of each group commit, on the committing thread (for the
  // metrics). Set before the store is shared.
  void SetCommitObserver(std::function<void(size_t changes)> observer) {
    commit_observer_ = std::move(observer);
  }

 private:
  struct Change;
  struct Waiter;
  struct BlockedWaiter;
  struct CreateWaiter;
  struct UpdateWaiter;
  struct AliasWaiter;
  // Keys by an id (a view into the key). Open addressing: a lookup probes one array where a
  // node-based map chases pointers, and an entry costs no allocation (at 100k keys, the
  // node-based map's lookups were a sixth of trentd's start, its nodes 128 bytes a key).
  using KeyIndex = boost::unordered_flat_map<std::string_view, KeyPtr, std::hash<std::string_view>>;
  // A batch being decided: each key touched so far as the batch leaves it (nullptr: deleted).
  using Staged = std::unordered_map<std::string, KeyPtr>;
  // The same for aliases, by AliasSlot.
  using StagedAliases = std::unordered_map<std::string, AliasPtr>;

  KeyStore(storage::KeyRepository& repo, hsm::Hsm& hsm, int64_t key_quota,
           size_t key_cache_size);

  // Queues `changes`, waits until the committer has committed them and leaves each one's
  // outcome in it.
  void Commit(std::span<Change> changes) EXCLUDES(queue_mu_, write_mu_, mu_);
  // Queues `waiter` for the committer, which calls its Done once its changes are committed.
  void Queue(Waiter* waiter) EXCLUDES(queue_mu_);
  // The committer thread: commits what is queued, batch after batch, until the store goes.
  void CommitLoop() EXCLUDES(queue_mu_, write_mu_, mu_);
  // Decides, persists and publishes the changes of `waiters`, in order.
  void CommitGroup(const std::vector<Waiter*>& waiters) REQUIRES(write_mu_) EXCLUDES(mu_);
  // Decides one change on the keys and aliases as `staged` and `aliases` leave them, adding
  // what to write to `writes`.
  void Decide(Change& change, Staged& staged, StagedAliases& aliases,
              std::vector<storage::KeyWrite>& writes, std::vector<KeyPtr>& deleted,
              std::unordered_map<std::string, int64_t>& counted) REQUIRES(write_mu_)
      EXCLUDES(mu_);
  void DecideAlias(Change& change, const Staged& staged, StagedAliases& aliases,
                   std::vector<storage::KeyWrite>& writes) REQUIRES(write_mu_) EXCLUDES(mu_);
  // The alias in `slot` as `aliases` leaves it, else as published; nullptr when none.
  AliasPtr CurrentAlias(const std::string& slot, const StagedAliases& aliases) const
      EXCLUDES(mu_);
  // The slots of the aliases pointing to the key as `aliases` leaves them.
  std::vector<std::string> AliasSlotsOf(const std::string& key_id,
                                        const StagedAliases& aliases) const EXCLUDES(mu_);
  // The key as `staged` leaves it, else as published; nullptr when there is none.
  KeyPtr Current(const std::string& key_id, const Staged& staged) const EXCLUDES(mu_);
  // The number of keys in `key`'s quota scope as the batch leaves it (`counted`).
  int64_t& CountOf(const Key& key, std::unordered_map<std::string, int64_t>& counted)
      REQUIRES(write_mu_);

  // Grows the lookups and the seq list before `staged` is published, when publishing it
  // would make them grow. Growing them in place (every entry hashed and moved again) held the
  // exclusive lock, and so every reader: 130-140 ms at 215k keys here. Bigger copies are made
  // while readers go on (only the committer changes these, under write_mu_) and swapped in
  // under the exclusive lock; the commit that makes them waits instead.
  void MakeRoomFor(const Staged& staged) REQUIRES(write_mu_) EXCLUDES(mu_);
  void Publish(KeyPtr key) REQUIRES(mu_);
  // Installs `alias` in `slot` (nullptr: removes the alias there).
  void PublishAlias(const std::string& slot, AliasPtr alias) REQUIRES(mu_);
  // Generates new material and appends it to the key as a rotation of `type`, if the key (as
  // it is when the change commits) may rotate then.
  Result<KeyPtr> Rotate(const Key& key, RotationType type, int64_t now_ms)
      EXCLUDES(queue_mu_, write_mu_);
  // Commits the deletion of `keys` (kPurge changes: when `unconditional`, whatever their state,
  // else only those whose deletion is due by `now_ms`) in batches; returns how many went.
  Result<size_t> Purge(const std::vector<KeyPtr>& keys, bool unconditional, int64_t now_ms)
      EXCLUDES(queue_mu_, write_mu_);
  // Forgets a key whose deletion is committed and destroys its unwrapped material.
  Status Delete(const Key& key) REQUIRES(write_mu_) EXCLUDES(mu_);

  storage::KeyRepository& repo_;
  hsm::Hsm& hsm_;
  MaterialCache material_;
  std::function<void(size_t)> commit_observer_;
  const int64_t key_quota_;

  // Callers waiting for their changes to be committed, in order.
  Mutex queue_mu_;
  std::deque<Waiter*> waiting_ GUARDED_BY(queue_mu_);
  std::condition_variable_any queue_changed_;  // a caller queued, or the store is going
  bool stopping_ GUARDED_BY(queue_mu_) = false;

  // Held by the thread committing a batch, from the decisions to the publication, so that
  // each change is decided on the key as the previous change left it.
  Mutex write_mu_;
  // Customer keys per "account:region", every state counted, for the quota.
  std::unordered_map<std::string, int64_t> key_count_ GUARDED_BY(write_mu_);

  // What readers see. Held exclusively only to publish, never across storage calls.
  mutable SharedMutex mu_;
  // The two lookups key on views of ids held by the snapshot they map to (its id, its versions'
  // ids), so no id is stored twice; Publish re-points each view at the snapshot it installs.
  KeyIndex by_id_ GUARDED_BY(mu_);
  KeyIndex by_version_id_ GUARDED_BY(mu_);
  // Every key in seq order, for List. A deleted key leaves a hole (a null key) that the next
  // compaction removes, so that deleting is not a move of all the keys after it.
  struct SeqEntry {
    int64_t seq;
    KeyPtr key;  // nullptr: deleted
  };
  using SeqList = std::vector<SeqEntry>;
  SeqList by_seq_ GUARDED_BY(mu_);
  size_t seq_holes_ GUARDED_BY(mu_) = 0;
  // (deletion date, key id) of every key pending deletion, soonest first.
  std::set<std::pair<int64_t, std::string>> deletion_due_ GUARDED_BY(mu_);
  // (next rotation date, key id) of every enabled key with automatic rotation on, soonest first.
  std::set<std::pair<int64_t, std::string>> rotation_due_ GUARDED_BY(mu_);
  // The start of each on-demand rotation in progress, by key id. Memory only: a rotation in
  // progress has not been acknowledged, so a crash may drop it.
  mutable Mutex on_demand_mu_;
  std::unordered_map<std::string, int64_t> on_demand_started_ GUARDED_BY(on_demand_mu_);
  // Every alias by its AliasSlot ("account:region:name"): in name order within an account and
  // region, for ListAliases.
  std::map<std::string, AliasPtr, std::less<>> by_alias_ GUARDED_BY(mu_);
  // The ids of the keys that have grants, in id order.
  std::set<std::string, std::less<>> keys_with_grants_ GUARDED_BY(mu_);
  // The slots of the aliases of each key that has some.
  std::unordered_map<std::string, std::set<std::string>> alias_slots_of_key_ GUARDED_BY(mu_);

  // Last: started when everything it uses exists, joined before any of it goes.
  std::thread committer_;
};

}  // namespace trent::kms
