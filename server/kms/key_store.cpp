#include "server/kms/key_store.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <thread>
#include <utility>

#include "common/random.h"
#include "server/kms/identifiers.h"
#include "server/kms/key_policy.h"
#include "server/kms/last_usage.h"
#include "server/kms/rotation.h"

namespace trent::kms {
namespace {

// Most changes one transaction takes: bounds how long the callers in a batch wait.
constexpr size_t kMaxBatchChanges = 512;
// Expired keys deleted per batch, so that other writes interleave with a long purge.
constexpr size_t kPurgeBatchKeys = 64;

Result<Bytes> RandomBytes(size_t n) {
  Bytes b(n);
  if (!FillRandom(b.data(), n)) {
    return InternalError("no randomness for a key version");
  }
  return b;
}

// What the key quota counts keys by.
std::string QuotaScope(std::string_view account, std::string_view region) {
  return std::string(account) + ":" + std::string(region);
}
std::string QuotaScope(const Key& key) { return QuotaScope(key.account, key.region); }

// The key quota counts customer keys only, as AWS's does.
bool CountedByQuota(const Key& key) { return key.key_manager == kCustomerKeyManager; }

// Where an alias is kept: account and region never contain ':', so the aliases of one account
// and region are together, in name order.
std::string AliasSlot(std::string_view account, std::string_view region, std::string_view name) {
  std::string slot;
  slot.reserve(account.size() + region.size() + name.size() + 2);
  slot.append(account).append(":").append(region).append(":").append(name);
  return slot;
}

// An alias named (account, region, name) pointing to `target_key_id`, made at `now_ms`.
std::shared_ptr<Alias> NewAlias(std::string_view account, std::string_view region,
                                std::string_view name, std::string target_key_id,
                                int64_t now_ms) {
  auto alias = std::make_shared<Alias>();
  alias->account = account;
  alias->region = region;
  alias->name = name;
  alias->arn = AliasArn(region, account, name);
  alias->target_key_id = std::move(target_key_id);
  alias->created_at_ms = now_ms;
  alias->updated_at_ms = now_ms;
  return alias;
}

// `target_seq`: the seq of the key the alias names (0 for a key not stored yet: storage
// finds it among the batch's inserts).
storage::KeyWrite AliasWrite(storage::KeyWrite::Kind kind, const Alias& alias,
                             int64_t target_seq) {
  storage::KeyWrite write;
  write.kind = kind;
  write.alias = {alias.account, alias.region,        alias.name,         alias.target_key_id,
                 target_seq,    alias.created_at_ms, alias.updated_at_ms};
  return write;
}

// AWS's words, as recorded from a real CreateKey beyond the quota.
Status KeyQuotaExceeded(int64_t quota, int64_t usage) {
  return {ErrorCode::kLimitExceeded, "Key quota for this account in this region is " +
                                         std::to_string(quota) + " but the current usage is " +
                                         std::to_string(usage) + "."};
}

bool DeletionDue(const Key& key, int64_t now_ms) {
  return key.state == KeyState::kPendingDeletion && key.deletion_date_ms &&
         *key.deletion_date_ms <= now_ms;
}

bool SameTags(const std::vector<Tag>& a, const std::vector<Tag>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].value != b[i].value) return false;
  }
  return true;
}

storage::KeyRow ToRow(const Key& key) {
  storage::KeyRow row;
  row.seq = key.seq;
  row.key_id = key.id;
  row.account = key.account;
  row.region = key.region;
  row.created_at_ms = key.created_at_ms;
  row.description = key.description;
  row.key_usage = key.key_usage;
  row.key_spec = key.key_spec;
  row.origin = key.origin;
  row.key_manager = key.key_manager;
  row.multi_region = key.multi_region;
  row.key_state = KeyStateName(key.state);
  row.deletion_date_ms = key.deletion_date_ms;
  row.pending_window_days = key.pending_window_days;
  // A key holding its account's default policy stores none (LoadPolicy gives it back): the
  // default text would be most of the row, of the database and of the time to load it.
  Result<KeyPolicyPtr> default_policy = DefaultKeyPolicyOf(key.account);
  if (!default_policy.ok() || *default_policy != key.policy) row.policy = key.policy->text;
  const KeyVersion::Id& current_id = key.current_version().id;
  row.current_version_id = Bytes(current_id.begin(), current_id.end());
  row.rotation_period_days = key.rotation_period_days;
  row.next_rotation_ms = key.next_rotation_ms;
  for (const auto& v : key.versions) {
    row.versions.push_back({Bytes(v->id.begin(), v->id.end()), key.id, v->created_at_ms,
                            v->wrapped_material,
                            v->key_material_id.Hex(), RotationTypeName(v->rotation_type),
                            v->public_key});
  }
  for (const auto& t : key.tags) row.tags.push_back({t.key, t.value});
  return row;
}

// Parsed key policies by text, while the store loads: keys with the same policy (most hold
// their account's default) share one KeyPolicy.
using ParsedPolicies = std::unordered_map<std::string, KeyPolicyPtr>;

// Gives `key` its stored policy text `stored` and the parsed document. A key stored without a
// policy (one holding its account's default, which ToRow does not store, or one made before
// trent kept a policy for every key) gets its account's default key policy, as AWS gives a key
// made without one; the text stays in one place (DefaultKeyPolicy). A stored policy that
// ParseKeyPolicy refuses (possible for keys made before policies were validated, when CreateKey
// only checked that Policy was a JSON object) is replaced by the default too, with a warning:
// the key stays usable by its account, and GetKeyPolicy shows the policy that is enforced.
Status LoadPolicy(Key& key, std::string stored, ParsedPolicies& parsed) {
  TRY(KeyPolicyPtr default_policy, DefaultKeyPolicyOf(key.account));
  if (stored.empty() || stored == default_policy->text) {
    key.policy = std::move(default_policy);
    return Status::Ok();
  }
  if (auto it = parsed.find(stored); it != parsed.end()) {
    key.policy = it->second;
    return Status::Ok();
  }
  Result<policy::DocumentPtr> document = ParseKeyPolicy(stored);
  if (!document.ok()) {
    spdlog::warn("key {}: its stored key policy is not valid ({}); it gets the default key "
                 "policy instead",
                 key.id, document.status().message());
    key.policy = std::move(default_policy);
    return Status::Ok();
  }
  key.policy = MakeKeyPolicy(stored, *std::move(document));
  parsed.emplace(std::move(stored), key.policy);
  return Status::Ok();
}


storage::GrantRow GrantToRow(const Key& key, const policy::Grant& grant) {
  storage::GrantRow row;
  row.grant_id = grant.grant_id;
  row.key_id = key.id;
  row.key_seq = key.seq;
  row.name = grant.name;
  row.grantee_principal = grant.grantee_principal;
  row.retiring_principal = grant.retiring_principal;
  row.issuing_account = grant.issuing_account;
  row.operations = grant.operations;
  if (grant.context_equals) {
    row.constraint = policy::kGrantConstraintEquals;
    row.constraint_pairs = *grant.context_equals;
  } else if (grant.context_subset) {
    row.constraint = policy::kGrantConstraintSubset;
    row.constraint_pairs = *grant.context_subset;
  }
  row.created_at_ms = grant.created_at_ms;
  return row;
}

Result<GrantPtr> GrantFromRow(storage::GrantRow row) {
  auto grant = std::make_shared<policy::Grant>();
  grant->grant_id = std::move(row.grant_id);
  grant->name = std::move(row.name);
  grant->grantee_principal = std::move(row.grantee_principal);
  grant->retiring_principal = std::move(row.retiring_principal);
  grant->issuing_account = std::move(row.issuing_account);
  grant->operations = std::move(row.operations);
  std::sort(row.constraint_pairs.begin(), row.constraint_pairs.end());
  if (row.constraint == policy::kGrantConstraintEquals) {
    grant->context_equals = std::move(row.constraint_pairs);
  } else if (row.constraint == policy::kGrantConstraintSubset) {
    grant->context_subset = std::move(row.constraint_pairs);
  } else if (!row.constraint.empty()) {
    return InternalError("grant " + grant->grant_id + " has unknown constraint " + row.constraint);
  }
  grant->created_at_ms = row.created_at_ms;
  return GrantPtr(std::move(grant));
}

// The storage writes that turn `before`'s grants into `after`'s: edits only append grants or
// erase some (Key::grants), so one walk finds both.
Status DiffGrants(const Key& before, const Key& after, std::vector<storage::KeyWrite>& writes) {
  size_t j = 0;
  for (const GrantPtr& grant : before.grants) {
    if (j < after.grants.size() && after.grants[j] == grant) {
      ++j;
      continue;
    }
    storage::KeyWrite write;
    write.kind = storage::KeyWrite::Kind::kDeleteGrant;
    write.grant.grant_id = grant->grant_id;
    writes.push_back(std::move(write));
  }
  for (; j < after.grants.size(); ++j) {
    for (const GrantPtr& grant : before.grants) {
      if (grant == after.grants[j]) {
        return InternalError("an edit of key " + before.id + " reordered its grants");
      }
    }
    storage::KeyWrite write;
    write.kind = storage::KeyWrite::Kind::kPutGrant;
    write.grant = GrantToRow(after, *after.grants[j]);
    writes.push_back(std::move(write));
  }
  return Status::Ok();
}

Result<KeyPtr> FromRow(storage::KeyRow row, ParsedPolicies& parsed) {
  auto key = std::make_shared<Key>();
  key->seq = row.seq;
  key->id = std::move(row.key_id);
  key->account = std::move(row.account);
  key->region = std::move(row.region);
  key->created_at_ms = row.created_at_ms;
  key->description = std::move(row.description);
  key->key_usage = std::move(row.key_usage);
  key->key_spec = std::move(row.key_spec);
  const KeySpecTraits* spec = FindKeySpec(key->key_spec);
  if (!spec || !spec->kind) {
    return InternalError("key " + key->id + " has key spec " + key->key_spec +
                         ", which this build cannot hold");
  }
  key->origin = std::move(row.origin);
  key->key_manager = std::move(row.key_manager);
  key->multi_region = row.multi_region;
  auto state = ParseKeyState(row.key_state);
  if (!state) return InternalError("key " + key->id + " has unknown state " + row.key_state);
  key->state = *state;
  key->deletion_date_ms = row.deletion_date_ms;
  key->pending_window_days = row.pending_window_days;
  TRY_STATUS(LoadPolicy(*key, std::move(row.policy), parsed));
  key->rotation_period_days = row.rotation_period_days;
  key->next_rotation_ms = row.next_rotation_ms;
  std::shared_ptr<const KeyVersion> current;
  for (auto& v : row.versions) {
    auto version = std::make_shared<KeyVersion>();
    std::optional<KeyVersion::Id> id = KeyVersion::IdFromBytes(AsStringView(v.version_id));
    if (!id) return InternalError("key " + key->id + " has a version id of the wrong size");
    version->id = *id;
    version->created_at_ms = v.created_at_ms;
    version->kind = *spec->kind;
    version->wrapped_material = std::move(v.wrapped_material);
    version->public_key = std::move(v.public_key);
    std::optional<KeyMaterialId> material_id = KeyMaterialId::FromHex(v.key_material_id);
    if (!material_id) {
      return InternalError("key " + key->id + " has a version of malformed KeyMaterialId " +
                           v.key_material_id);
    }
    version->key_material_id = *material_id;
    auto rotation_type = ParseRotationType(v.rotation_type);
    if (!rotation_type) {
      return InternalError("key " + key->id + " has a version of unknown rotation type " +
                           v.rotation_type);
    }
    version->rotation_type = *rotation_type;
    if (version->id_view() == AsStringView(row.current_version_id)) current = version;
    else key->versions.push_back(std::move(version));
  }
  if (!current) return InternalError("key " + key->id + " has no current key version");
  key->versions.push_back(std::move(current));  // the current version is always last
  for (auto& t : row.tags) key->tags.push_back({std::move(t.key), std::move(t.value)});
  key->grants.reserve(row.grants.size());
  for (storage::GrantRow& g : row.grants) {
    TRY(GrantPtr grant, GrantFromRow(std::move(g)));
    key->grants.push_back(std::move(grant));
  }
  key->last_usage = std::make_shared<LastUsage>(key->id);
  return KeyPtr(std::move(key));
}

// Maps `id`, a view into `key`, to `key`, in place of any entry for an equal id (whose view
// may point into an older snapshot). Returns the key `id` mapped to before, if any.
template <typename Index>
KeyPtr MapId(Index& map, std::string_view id, const KeyPtr& key) {
  auto [slot, added] = map.try_emplace(id, key);
  if (added) return nullptr;
  KeyPtr previous = std::move(slot->second);
  map.erase(slot);  // the stored view may be the older snapshot's: replaced with the entry
  map.emplace(id, key);
  return previous;
}

// A copy of `index` (a lookup, or the seq list) with room for `adding` more entries without
// growing, when it has not that room; nullopt when it has.
template <typename Index>
std::optional<Index> GrownCopy(const Index& index, size_t adding) {
  size_t room;
  if constexpr (requires { index.max_load(); }) {
    room = index.max_load();
  } else {
    room = index.capacity();
  }
  if (index.size() + adding <= room) return std::nullopt;
  Index grown;
  grown.reserve(std::max(2 * index.size(), index.size() + adding));
  std::copy(index.begin(), index.end(), std::inserter(grown, grown.end()));
  return grown;
}

// The first entry of `by_seq` (sorted by seq) with a seq at or after `seq`.
template <typename SeqEntry>
auto AtOrAfter(std::vector<SeqEntry>& by_seq, int64_t seq) {
  return std::lower_bound(by_seq.begin(), by_seq.end(), seq,
                          [](const auto& entry, int64_t s) { return entry.seq < s; });
}

}  // namespace

// One create, edit, purge or alias change, from the caller's thread to the committer and back.
struct KeyStore::Change {
  enum class Kind { kCreate, kEdit, kPurge, kAlias };
  explicit Change(Kind kind) : kind(kind) {}
  Kind kind;
  std::shared_ptr<Key> created;   // kCreate: the new key; its seq is set once it is stored
  // kCreate: where its insert is in the batch's writes, when the change made one (a change
  // that finds its alias taken makes none).
  std::optional<size_t> insert_write;
  // kEdit, kPurge: names the key (its id and ARN); kAlias (but kDelete): the alias's new target.
  const Key* target = nullptr;
  // kCreate: the new key's alias, when it comes with one (AWS managed keys). When an alias of
  // that name exists by the time the change is decided, no key is created and the outcome is
  // the key that alias points to.
  // kAlias: the alias as the change would make it (created and updated now).
  std::shared_ptr<Alias> alias;
  AliasOp alias_op = AliasOp::kCreate;  // kAlias
  const KeyEdit* edit = nullptr;  // kEdit
  // kPurge: the key goes whatever its state (Reset), else only if its deletion is due by now_ms.
  bool unconditional = false;
  int64_t now_ms = 0;
  // The key after the change; for kPurge the deleted key, or nullptr when it stays.
  Result<KeyPtr> outcome = KeyPtr();

  static Change Creating(std::shared_ptr<Key> key) {
    Change c(Kind::kCreate);
    c.created = std::move(key);
    return c;
  }
  static Change Editing(const Key& key, const KeyEdit& edit) {
    Change c(Kind::kEdit);
    c.target = &key;
    c.edit = &edit;
    return c;
  }
  static Change Purging(const Key& key, bool unconditional, int64_t now_ms) {
    Change c(Kind::kPurge);
    c.target = &key;
    c.unconditional = unconditional;
    c.now_ms = now_ms;
    return c;
  }
  // `target` is null for kDelete.
  static Change ChangingAlias(AliasOp op, std::string_view account, std::string_view region,
                              std::string_view name, const Key* target, int64_t now_ms) {
    Change c(Kind::kAlias);
    c.alias_op = op;
    c.alias = NewAlias(account, region, name, target ? target->id : "", target ? now_ms : 0);
    c.target = target;
    return c;
  }
};

// Changes queued for the committer, which calls Done once it has committed them (outside every
// lock of the store) and never touches the Waiter after that.
struct KeyStore::Waiter {
  explicit Waiter(std::span<Change> changes) : changes(changes) {}
  virtual ~Waiter() = default;
  virtual void Done() = 0;

  std::span<Change> changes;
};

// A caller blocked in Commit. Woken through its own mutex, not the queue's: the committer does
// not hold the queue up while it wakes callers, and lets go of the Waiter (on the caller's
// stack) when it unlocks.
struct KeyStore::BlockedWaiter final : Waiter {
  using Waiter::Waiter;

  void Done() override {
    std::lock_guard lock(mu);
    done = true;
    wake.notify_one();
  }
  void AwaitDone() {
    std::unique_lock lock(mu);
    wake.wait(lock, [&] { return done; });
  }

  std::mutex mu;
  std::condition_variable wake;
  bool done = false;  // guarded by mu
};

// A key created by CreateThen: owns its change, answers `done` and deletes itself.
struct KeyStore::CreateWaiter final : Waiter {
  CreateWaiter(hsm::Hsm& hsm, std::shared_ptr<Key> key, CreateDone done)
      : Waiter({&change, 1}), hsm(hsm), change(Change::Creating(std::move(key))),
        done(std::move(done)) {}

  void Done() override;

  hsm::Hsm& hsm;
  Change change;
  CreateDone done;
};

// A change queued by UpdateThen: owns the key it names and the edit, answers `done` and
// deletes itself.
struct KeyStore::UpdateWaiter final : Waiter {
  UpdateWaiter(KeyPtr key, KeyEdit edit, UpdateDone done)
      : Waiter({&change, 1}), key(std::move(key)), edit(std::move(edit)),
        change(Change::Editing(*this->key, this->edit)), done(std::move(done)) {}

  void Done() override {
    std::unique_ptr<UpdateWaiter> self(this);
    done(std::move(change.outcome));
  }

  const KeyPtr key;
  const KeyEdit edit;
  Change change;
  UpdateDone done;
};

// An alias change queued by ChangeAliasThen: owns the key it points to, answers `done` and
// deletes itself.
struct KeyStore::AliasWaiter final : Waiter {
  AliasWaiter(AliasOp op, std::string_view account, std::string_view region,
              std::string_view name, KeyPtr target, int64_t now_ms, AliasDone done)
      : Waiter({&change, 1}), target(std::move(target)),
        change(Change::ChangingAlias(op, account, region, name, this->target.get(), now_ms)),
        done(std::move(done)) {}

  void Done() override {
    std::unique_ptr<AliasWaiter> self(this);
    done(change.outcome.status());
  }

  const KeyPtr target;
  Change change;
  AliasDone done;
};

KeyStore::KeyStore(storage::KeyRepository& repo, hsm::Hsm& hsm, int64_t key_quota,
                   size_t key_cache_size)
    : repo_(repo), hsm_(hsm), material_(hsm, key_cache_size), key_quota_(key_quota) {
  committer_ = std::thread([this] { CommitLoop(); });
}

KeyStore::~KeyStore() {
  {
    MutexLock queue(queue_mu_);
    stopping_ = true;
  }
  queue_changed_.notify_one();
  committer_.join();
}

Result<std::unique_ptr<KeyStore>> KeyStore::Load(storage::KeyRepository& repo, hsm::Hsm& hsm,
                                                 int64_t key_quota, size_t key_cache_size) {
  std::unique_ptr<KeyStore> store(new KeyStore(repo, hsm, key_quota, key_cache_size));
  TRY(size_t expected, repo.CountKeys());
  // Nobody else sees the store yet: holding the locks across the load costs nobody.
  MutexLock write(store->write_mu_);
  WriterLock lock(store->mu_);
  store->by_id_.reserve(expected);
  store->by_version_id_.reserve(expected);
  store->by_seq_.reserve(expected);
  ParsedPolicies parsed_policies;
  TRY_STATUS(repo.LoadAll([&](storage::KeyRow& row) REQUIRES(store->write_mu_, store->mu_)
                              -> Status {
    TRY(KeyPtr key, FromRow(std::move(row), parsed_policies));
    if (CountedByQuota(*key)) ++store->key_count_[QuotaScope(*key)];
    store->Publish(std::move(key));
    return Status::Ok();
  }));
  TRY_STATUS(repo.LoadAliases([&](storage::AliasRow& row) REQUIRES(store->mu_) -> Status {
    if (!store->by_id_.contains(row.target_key_id)) {
      return InternalError("alias " + row.alias_name + " points to unknown key " +
                           row.target_key_id);
    }
    auto alias = NewAlias(row.account, row.region, row.alias_name, std::move(row.target_key_id),
                          row.created_at_ms);
    alias->updated_at_ms = row.updated_at_ms;
    store->PublishAlias(AliasSlot(row.account, row.region, row.alias_name), std::move(alias));
    return Status::Ok();
  }));
  return store;
}

void KeyStore::MakeRoomFor(const Staged& staged) {
  // At most this many entries are added (a staged key may already be published).
  size_t keys = 0;
  size_t versions = 0;
  for (const auto& [id, key] : staged) {
    if (!key) continue;
    ++keys;
    versions += key->versions.size();
  }
  std::optional<KeyIndex> ids;
  std::optional<KeyIndex> version_ids;
  std::optional<SeqList> seqs;
  {
    ReaderLock lock(mu_);
    ids = GrownCopy(by_id_, keys);
    version_ids = GrownCopy(by_version_id_, versions);
    seqs = GrownCopy(by_seq_, keys);
  }
  if (!ids && !version_ids && !seqs) return;
  WriterLock lock(mu_);
  // The tables given up go when the optionals do, after the lock.
  if (ids) by_id_.swap(*ids);
  if (version_ids) by_version_id_.swap(*version_ids);
  if (seqs) by_seq_.swap(*seqs);
}

void KeyStore::Publish(KeyPtr key) {
  KeyPtr previous = MapId(by_id_, key->id, key);
  if (previous && previous->deletion_date_ms) {
    deletion_due_.erase({*previous->deletion_date_ms, previous->id});
  }
  if (key->state == KeyState::kPendingDeletion && key->deletion_date_ms) {
    deletion_due_.emplace(*key->deletion_date_ms, key->id);
  }
  if (previous && previous->next_rotation_ms) {
    rotation_due_.erase({*previous->next_rotation_ms, previous->id});
  }
  if (key->state == KeyState::kEnabled && key->next_rotation_ms) {
    rotation_due_.emplace(*key->next_rotation_ms, key->id);
  }
  for (const auto& v : key->versions) MapId(by_version_id_, v->id_view(), key);
  if (key->grants.empty()) {
    keys_with_grants_.erase(key->id);
  } else {
    keys_with_grants_.insert(key->id);
  }
  // Keys come in seq order at load, and mostly when created (a batch publishes in any order).
  if (by_seq_.empty() || by_seq_.back().seq < key->seq) {
    by_seq_.push_back({key->seq, std::move(key)});
    return;
  }
  auto at = AtOrAfter(by_seq_, key->seq);
  if (at != by_seq_.end() && at->seq == key->seq) {
    at->key = std::move(key);
  } else {
    by_seq_.insert(at, {key->seq, std::move(key)});
  }
}

void KeyStore::PublishAlias(const std::string& slot, AliasPtr alias) {
  auto it = by_alias_.find(slot);
  if (it != by_alias_.end()) {
    auto slots = alias_slots_of_key_.find(it->second->target_key_id);
    slots->second.erase(slot);
    if (slots->second.empty()) alias_slots_of_key_.erase(slots);
    if (!alias) {
      by_alias_.erase(it);
      return;
    }
    it->second = alias;
  } else {
    if (!alias) return;
    by_alias_.emplace(slot, alias);
  }
  alias_slots_of_key_[alias->target_key_id].insert(slot);
}

namespace {

// Removes from the HSM what it keeps of versions never stored (a token-held private key; the
// others are only wrapped bytes, gone with the versions). Best effort: the caller reports the
// failure that brought it here, and a failure here is logged.
void DiscardMaterial(hsm::Hsm& hsm,
                     const std::vector<std::shared_ptr<const KeyVersion>>& versions) {
  for (const auto& v : versions) {
    if (Status deleted = hsm.DeleteKeyMaterial(v->stored()); !deleted.ok()) {
      spdlog::error("cannot remove the HSM material of a key version never stored: {}",
                    deleted.message());
    }
  }
}

// New key material of `kind` generated in `hsm`, made at `now_ms` by `rotation_type`.
Result<std::shared_ptr<KeyVersion>> MakeVersion(hsm::Hsm& hsm, hsm::KeyKind kind,
                                                RotationType rotation_type, int64_t now_ms) {
  TRY(hsm::GeneratedKey generated, hsm.GenerateKey(kind));
  auto version = std::make_shared<KeyVersion>();
  TRY(Bytes id, RandomBytes(KeyVersion::kIdSize));
  version->id = *KeyVersion::IdFromBytes(AsStringView(id));
  version->created_at_ms = now_ms;
  version->rotation_type = rotation_type;
  version->kind = kind;
  version->wrapped_material = std::move(generated.wrapped);
  version->public_key = std::move(generated.public_key);
  TRY(Bytes material_id, RandomBytes(KeyMaterialId::kSize));
  version->key_material_id = *KeyMaterialId::FromBytes(material_id);
  return version;
}

// Given material of `kind` imported into `hsm` as a version of key `key_id`.
Result<std::shared_ptr<KeyVersion>> ImportVersion(hsm::Hsm& hsm, hsm::KeyKind kind,
                                                  const std::string& key_id,
                                                  const SecretBytes& material,
                                                  RotationType rotation_type, int64_t now_ms) {
  TRY(hsm::GeneratedKey imported, hsm.ImportKey(kind, material));
  TRY(SeededIds ids, SeededVersionIds(key_id, material));
  auto version = std::make_shared<KeyVersion>();
  version->id = ids.version_id;
  version->created_at_ms = now_ms;
  version->rotation_type = rotation_type;
  version->kind = kind;
  version->wrapped_material = std::move(imported.wrapped);
  version->public_key = std::move(imported.public_key);
  version->key_material_id = ids.key_material_id;
  return version;
}

// A new key made from `spec`, with its first version generated in `hsm` (or its versions
// imported, when spec gives material); not stored yet.
Result<std::shared_ptr<Key>> MakeKey(hsm::Hsm& hsm, const NewKeySpec& spec, int64_t now_ms) {
  const KeySpecTraits* traits = FindKeySpec(spec.key_spec);
  if (!traits || !traits->kind) return InternalError("no key material for " + spec.key_spec);
  auto key = std::make_shared<Key>();
  if (spec.key_id.empty()) {
    if (!spec.material.empty()) return InternalError("given key material needs a key id");
    TRY(key->id, NewUuid());
  } else {
    key->id = spec.key_id;
  }
  if (spec.material.empty()) {
    TRY(std::shared_ptr<KeyVersion> version,
        MakeVersion(hsm, *traits->kind, RotationType::kNone, now_ms));
    key->versions.push_back(std::move(version));
  }
  for (size_t i = 0; i < spec.material.size(); ++i) {
    // Versions after the first stand for rotations that happened before the seed was made.
    Result<std::shared_ptr<KeyVersion>> version =
        ImportVersion(hsm, *traits->kind, key->id, spec.material[i],
                      i == 0 ? RotationType::kNone : RotationType::kAutomatic, now_ms);
    if (!version.ok()) {
      DiscardMaterial(hsm, key->versions);
      return version.status();
    }
    key->versions.push_back(*std::move(version));
  }
  key->origin = spec.origin;
  key->account = spec.account;
  key->region = spec.region;
  key->created_at_ms = now_ms;
  key->description = spec.description;
  key->key_usage = spec.key_usage;
  key->key_spec = spec.key_spec;
  if (spec.policy.empty()) {
    TRY(key->policy, DefaultKeyPolicyOf(spec.account));
  } else if (spec.policy_document) {
    key->policy = MakeKeyPolicy(spec.policy, spec.policy_document);
  } else {
    // AWS's own texts (an AWS managed key's): they always parse.
    Result<policy::DocumentPtr> document = ParseKeyPolicy(spec.policy);
    if (!document.ok()) {
      return InternalError("a new key's policy does not parse: " + document.status().message());
    }
    key->policy = MakeKeyPolicy(spec.policy, *std::move(document));
  }
  key->tags = spec.tags;
  key->key_manager = spec.key_manager;
  if (spec.rotation_period_days) {
    key->rotation_period_days = spec.rotation_period_days;
    key->next_rotation_ms =
        spec.next_rotation_ms.value_or(now_ms + *spec.rotation_period_days * kMillisPerDay);
  }
  key->last_usage = std::make_shared<LastUsage>(key->id);
  return key;
}

}  // namespace

Result<SeededIds> SeededVersionIds(std::string_view key_id, const SecretBytes& material) {
  auto mac = [&](std::string_view label) -> Result<Bytes> {
    std::string input(label);
    input.push_back('\0');
    input.append(key_id);
    Bytes out(EVP_MAX_MD_SIZE);
    unsigned int size = 0;
    if (!HMAC(EVP_sha256(), material.data(), static_cast<int>(material.size()),
              reinterpret_cast<const unsigned char*>(input.data()), input.size(), out.data(),
              &size)) {
      return InternalError("HMAC-SHA-256 failed for a seeded key version's id");
    }
    out.resize(size);
    return out;
  };
  SeededIds ids;
  TRY(Bytes version_id, mac("trent seeded key version id"));
  ids.version_id =
      *KeyVersion::IdFromBytes(AsStringView(version_id).substr(0, KeyVersion::kIdSize));
  TRY(Bytes material_id, mac("trent seeded key material id"));
  ids.key_material_id = *KeyMaterialId::FromBytes(material_id);  // SHA-256: kSize bytes
  return ids;
}

Result<KeyPtr> KeyStore::Create(const NewKeySpec& spec, int64_t now_ms) {
  // The slow parts (the HSM, randomness) run here, in parallel with the committer.
  TRY(std::shared_ptr<Key> key, MakeKey(hsm_, spec, now_ms));
  Change change = Change::Creating(key);
  Commit({&change, 1});
  if (!change.outcome.ok()) DiscardMaterial(hsm_, key->versions);
  return change.outcome;
}

void KeyStore::CreateWaiter::Done() {
  std::unique_ptr<CreateWaiter> self(this);
  if (!change.outcome.ok()) DiscardMaterial(hsm, change.created->versions);
  done(std::move(change.outcome));
}

void KeyStore::CreateThen(const NewKeySpec& spec, int64_t now_ms, CreateDone done) {
  Result<std::shared_ptr<Key>> key = MakeKey(hsm_, spec, now_ms);
  if (!key.ok()) return done(key.status());
  Queue(new CreateWaiter(hsm_, std::move(*key), std::move(done)));
}

Result<KeyPtr> KeyStore::FindOrCreateAwsManagedKey(const NewKeySpec& spec,
                                                   std::string_view alias_name, int64_t now_ms) {
  if (AliasPtr alias = FindAlias(spec.account, spec.region, alias_name)) {
    if (KeyPtr key = Find(alias->target_key_id)) return key;
  }
  TRY(std::shared_ptr<Key> key, MakeKey(hsm_, spec, now_ms));
  Change change = Change::Creating(key);
  change.alias = NewAlias(spec.account, spec.region, alias_name, key->id, now_ms);
  Commit({&change, 1});
  // Another caller's key won (or the commit failed): this one was never stored.
  if (!change.outcome.ok() || *change.outcome != key) DiscardMaterial(hsm_, key->versions);
  return change.outcome;
}

Status KeyStore::CreateAlias(std::string_view account, std::string_view region,
                             std::string_view name, const Key& target, int64_t now_ms) {
  return ChangeAlias(AliasOp::kCreate, account, region, name, &target, now_ms);
}

Status KeyStore::UpdateAlias(std::string_view account, std::string_view region,
                             std::string_view name, const Key& target, int64_t now_ms) {
  return ChangeAlias(AliasOp::kUpdate, account, region, name, &target, now_ms);
}

Status KeyStore::DeleteAlias(std::string_view account, std::string_view region,
                             std::string_view name) {
  return ChangeAlias(AliasOp::kDelete, account, region, name, nullptr, 0);
}

Status KeyStore::ChangeAlias(AliasOp op, std::string_view account, std::string_view region,
                             std::string_view name, const Key* target, int64_t now_ms) {
  Change change = Change::ChangingAlias(op, account, region, name, target, now_ms);
  Commit({&change, 1});
  return change.outcome.status();
}

void KeyStore::ChangeAliasThen(AliasOp op, std::string_view account, std::string_view region,
                               std::string_view name, KeyPtr target, int64_t now_ms,
                               AliasDone done) {
  Queue(new AliasWaiter(op, account, region, name, std::move(target), now_ms, std::move(done)));
}

Result<KeyPtr> KeyStore::Update(const Key& key, const KeyEdit& edit) {
  Change change = Change::Editing(key, edit);
  Commit({&change, 1});
  return change.outcome;
}

void KeyStore::UpdateThen(KeyPtr key, KeyEdit edit, UpdateDone done) {
  Queue(new UpdateWaiter(std::move(key), std::move(edit), std::move(done)));
}

Result<KeyPtr> KeyStore::RotateOnDemand(const Key& key, int64_t now_ms) {
  {
    MutexLock lock(on_demand_mu_);
    if (!on_demand_started_.try_emplace(key.id, now_ms).second) {
      // AWS's text for this refusal is not recorded publicly: this one is trent's.
      return Status(ErrorCode::kConflict, "An on-demand rotation of " + key.arn() +
                                              " is already in progress.");
    }
  }
  Result<KeyPtr> rotated = Rotate(key, RotationType::kOnDemand, now_ms);
  MutexLock lock(on_demand_mu_);
  on_demand_started_.erase(key.id);
  return rotated;
}

std::optional<int64_t> KeyStore::OnDemandRotationStart(const std::string& key_id) const {
  MutexLock lock(on_demand_mu_);
  auto it = on_demand_started_.find(key_id);
  if (it == on_demand_started_.end()) return std::nullopt;
  return it->second;
}

Result<KeyPtr> KeyStore::Rotate(const Key& key, RotationType type, int64_t now_ms) {
  // The HSM works here, outside the writer lock; the edit re-decides on the key as it is then.
  TRY(std::shared_ptr<const KeyVersion> version, MakeVersion(hsm_, key.current_version().kind, type, now_ms));
  return Update(key, [&](Key& current) -> Status {
    if (type == RotationType::kOnDemand) {
      TRY_STATUS(RequireOnDemandRotationAllowed(current));
    } else if (!RotationDue(current, now_ms)) {
      return Status(ErrorCode::kConflict, "the rotation of " + current.arn() + " is not due");
    }
    AppendRotation(current, version);
    return Status::Ok();
  });
}

Result<size_t> KeyStore::RotateDue(int64_t now_ms) {
  std::vector<KeyPtr> due;
  {
    ReaderLock lock(mu_);
    for (auto it = rotation_due_.begin(); it != rotation_due_.end() && it->first <= now_ms; ++it) {
      due.push_back(by_id_.at(it->second));
    }
  }
  size_t rotated = 0;
  for (const KeyPtr& key : due) {
    Result<KeyPtr> done = Rotate(*key, RotationType::kAutomatic, now_ms);
    if (done.ok()) {
      ++rotated;
    } else if (done.status().code() != ErrorCode::kConflict &&
               done.status().code() != ErrorCode::kNotFound) {
      // Changed meanwhile (no longer due, deleted) is not a failure; anything else is.
      return done.status();
    }
  }
  return rotated;
}

Result<size_t> KeyStore::PurgeExpired(int64_t now_ms) {
  std::vector<KeyPtr> due;
  {
    ReaderLock lock(mu_);
    for (auto it = deletion_due_.begin(); it != deletion_due_.end() && it->first <= now_ms; ++it) {
      due.push_back(by_id_.at(it->second));
    }
  }
  return Purge(due, /*unconditional=*/false, now_ms);
}

Result<size_t> KeyStore::DeleteAll(const KeyScope& scope) {
  return Purge(ListIn(scope), /*unconditional=*/true, 0);
}

Result<size_t> KeyStore::DeleteKeys(const std::vector<KeyPtr>& keys) {
  return Purge(keys, /*unconditional=*/true, 0);
}

Result<size_t> KeyStore::Purge(const std::vector<KeyPtr>& keys, bool unconditional,
                               int64_t now_ms) {
  size_t deleted = 0;
  for (size_t first = 0; first < keys.size(); first += kPurgeBatchKeys) {
    std::vector<Change> changes;
    for (size_t i = first; i < std::min(keys.size(), first + kPurgeBatchKeys); ++i) {
      changes.push_back(Change::Purging(*keys[i], unconditional, now_ms));
    }
    Commit(changes);
    for (const Change& c : changes) {
      TRY(KeyPtr gone, c.outcome);
      if (gone) ++deleted;
    }
  }
  return deleted;
}

void KeyStore::Commit(std::span<Change> changes) {
  BlockedWaiter self(changes);
  Queue(&self);
  self.AwaitDone();
}

void KeyStore::Queue(Waiter* waiter) {
  {
    MutexLock queue(queue_mu_);
    waiting_.push_back(waiter);
  }
  queue_changed_.notify_one();
}

void KeyStore::CommitLoop() {
  for (;;) {
    // Everything queued so far, up to a batch's worth; the callers that queue meanwhile make
    // the next batch, committed as soon as this one is, without waking anyone first.
    std::vector<Waiter*> group;
    {
      MutexLock queue(queue_mu_);
      queue_changed_.wait(queue_mu_, [this]() NO_THREAD_SAFETY_ANALYSIS {
        return stopping_ || !waiting_.empty();
      });
      if (waiting_.empty()) return;  // stopping, and nobody waits
      size_t batched = 0;
      while (!waiting_.empty()) {
        Waiter* w = waiting_.front();
        if (!group.empty() && batched + w->changes.size() > kMaxBatchChanges) break;
        group.push_back(w);
        batched += w->changes.size();
        waiting_.pop_front();
      }
    }
    {
      MutexLock write(write_mu_);
      CommitGroup(group);
    }
    for (Waiter* w : group) w->Done();
  }
}

void KeyStore::CommitGroup(const std::vector<Waiter*>& waiters) {
  Staged staged;
  StagedAliases aliases;
  std::vector<storage::KeyWrite> writes;
  std::vector<KeyPtr> deleted;
  std::unordered_map<std::string, int64_t> counted;  // key_count_ as the batch leaves it
  for (Waiter* w : waiters) {
    for (Change& c : w->changes) Decide(c, staged, aliases, writes, deleted, counted);
  }
  if (writes.empty()) return;
  if (commit_observer_) commit_observer_(writes.size());

  Status stored = repo_.Apply(writes);
  if (!stored.ok()) {
    spdlog::error("key store: {}", stored.message());
    for (Waiter* w : waiters) {
      for (Change& c : w->changes) {
        if (c.outcome.ok()) c.outcome = stored;
      }
    }
    return;
  }
  // Storage numbered each insert: the created key's seq.
  for (Waiter* w : waiters) {
    for (Change& c : w->changes) {
      if (c.insert_write) c.created->seq = writes[*c.insert_write].key.seq;
    }
  }
  MakeRoomFor(staged);
  {
    WriterLock lock(mu_);
    for (auto& [id, key] : staged) {
      if (key) Publish(key);
    }
    for (auto& [slot, alias] : aliases) PublishAlias(slot, alias);
  }
  for (const KeyPtr& key : deleted) {
    Status forgotten = Delete(*key);
    if (!forgotten.ok()) spdlog::warn("key {}: {}", key->id, forgotten.message());
  }
  for (auto& [scope, count] : counted) key_count_[scope] = count;
}

int64_t& KeyStore::CountOf(const Key& key, std::unordered_map<std::string, int64_t>& counted) {
  std::string scope = QuotaScope(key);
  auto [it, added] = counted.try_emplace(scope, 0);
  if (added) {
    auto known = key_count_.find(scope);
    if (known != key_count_.end()) it->second = known->second;
  }
  return it->second;
}

KeyPtr KeyStore::Current(const std::string& key_id, const Staged& staged) const {
  auto it = staged.find(key_id);
  return it != staged.end() ? it->second : Find(key_id);
}

AliasPtr KeyStore::CurrentAlias(const std::string& slot, const StagedAliases& aliases) const {
  auto staged = aliases.find(slot);
  if (staged != aliases.end()) return staged->second;
  ReaderLock lock(mu_);
  auto published = by_alias_.find(slot);
  return published == by_alias_.end() ? nullptr : published->second;
}

std::vector<std::string> KeyStore::AliasSlotsOf(const std::string& key_id,
                                                const StagedAliases& aliases) const {
  std::vector<std::string> slots;
  {
    ReaderLock lock(mu_);
    auto published = alias_slots_of_key_.find(key_id);
    if (published != alias_slots_of_key_.end()) {
      for (const std::string& slot : published->second) {
        if (!aliases.contains(slot)) slots.push_back(slot);
      }
    }
  }
  for (const auto& [slot, alias] : aliases) {
    if (alias && alias->target_key_id == key_id) slots.push_back(slot);
  }
  return slots;
}

void KeyStore::DecideAlias(Change& c, const Staged& staged, StagedAliases& aliases,
                           std::vector<storage::KeyWrite>& writes) {
  using Op = AliasOp;
  const Alias& wanted = *c.alias;
  std::string slot = AliasSlot(wanted.account, wanted.region, wanted.name);
  AliasPtr current = CurrentAlias(slot, aliases);
  if (c.alias_op == Op::kCreate && current) {
    c.outcome = AliasAlreadyExists(wanted.arn);
    return;
  }
  if (c.alias_op != Op::kCreate && !current) {
    c.outcome = AliasNotFound(wanted.arn);
    return;
  }
  if (c.alias_op == Op::kDelete) {
    writes.push_back(AliasWrite(storage::KeyWrite::Kind::kDeleteAlias, *current,
                                /*target_seq=*/0));
    aliases[slot] = nullptr;
    c.outcome = KeyPtr();
    return;
  }
  KeyPtr target = Current(c.target->id, staged);
  if (!target || target->account != wanted.account || target->region != wanted.region) {
    c.outcome = KeyDoesNotExist(c.target->arn());
    return;
  }
  Status usable = RequireAliasTarget(*target);
  if (usable.ok() && current) {
    if (KeyPtr from = Current(current->target_key_id, staged)) {
      usable = RequireSameKind(*from, *target, wanted.arn);
    }
  }
  bool moves = !current || current->target_key_id != target->id;
  if (usable.ok() && moves && AliasSlotsOf(target->id, aliases).size() >= kMaxAliasesPerKey) {
    usable = AliasesPerKeyExceeded();
  }
  if (!usable.ok()) {
    c.outcome = usable;
    return;
  }
  auto next = std::make_shared<Alias>(wanted);
  if (current) next->created_at_ms = current->created_at_ms;
  writes.push_back(AliasWrite(storage::KeyWrite::Kind::kPutAlias, *next, target->seq));
  aliases[slot] = std::move(next);
  c.outcome = target;
}

void KeyStore::Decide(Change& c, Staged& staged, StagedAliases& aliases,
                      std::vector<storage::KeyWrite>& writes, std::vector<KeyPtr>& deleted,
                      std::unordered_map<std::string, int64_t>& counted) {
  switch (c.kind) {
    case Change::Kind::kCreate: {
      std::string alias_slot;
      if (c.alias) {
        alias_slot = AliasSlot(c.alias->account, c.alias->region, c.alias->name);
        if (AliasPtr existing = CurrentAlias(alias_slot, aliases)) {
          KeyPtr key = Current(existing->target_key_id, staged);
          if (key) c.outcome = key;
          else c.outcome = InternalError("alias " + existing->name + " points to no key");
          return;
        }
      }
      // Only a chosen key id (a seed's) can be taken; refused here, it cannot fail the batch's
      // transaction for the other changes in it.
      if (Current(c.created->id, staged)) {
        c.outcome = Status(ErrorCode::kAlreadyExists,
                           "A key with id " + c.created->id + " exists already.");
        return;
      }
      if (CountedByQuota(*c.created)) {
        int64_t& keys = CountOf(*c.created, counted);
        if (keys >= key_quota_) {
          c.outcome = KeyQuotaExceeded(key_quota_, keys);
          return;
        }
        ++keys;
      }
      c.insert_write = writes.size();
      writes.push_back({storage::KeyWrite::Kind::kInsert, ToRow(*c.created)});
      staged[c.created->id] = c.created;
      if (c.alias) {
        writes.push_back(AliasWrite(storage::KeyWrite::Kind::kPutAlias, *c.alias,
                                    c.created->seq));
        aliases[alias_slot] = c.alias;
      }
      c.outcome = KeyPtr(c.created);
      return;
    }
    case Change::Kind::kAlias:
      DecideAlias(c, staged, aliases, writes);
      return;
    case Change::Kind::kEdit: {
      KeyPtr current = Current(c.target->id, staged);
      if (!current) {
        c.outcome = KeyDoesNotExist(c.target->arn());
        return;
      }
      auto next = std::make_shared<Key>(*current);
      Status edited = (*c.edit)(*next);
      if (!edited.ok()) {
        c.outcome = edited;
        return;
      }
      if (next->id != current->id || next->seq != current->seq ||
          next->versions.size() < current->versions.size()) {
        c.outcome = InternalError("an edit of key " + current->id + " changed its identity");
        return;
      }
      std::vector<storage::KeyWrite> grant_writes;
      if (Status diffed = DiffGrants(*current, *next, grant_writes); !diffed.ok()) {
        c.outcome = diffed;
        return;
      }
      storage::KeyWrite write{storage::KeyWrite::Kind::kUpdate, ToRow(*next),
                              !SameTags(current->tags, next->tags)};
      // Only the versions the edit added are new to storage.
      write.key.versions.erase(write.key.versions.begin(),
                               write.key.versions.begin() + current->versions.size());
      writes.push_back(std::move(write));
      for (storage::KeyWrite& w : grant_writes) writes.push_back(std::move(w));
      staged[next->id] = next;
      c.outcome = KeyPtr(std::move(next));
      return;
    }
    case Change::Kind::kPurge: {
      KeyPtr current = Current(c.target->id, staged);
      // Gone since the purge looked, or (an expiry purge) cancelled meanwhile: nothing to do.
      if (!current || (!c.unconditional && !DeletionDue(*current, c.now_ms))) return;
      if (CountedByQuota(*current)) --CountOf(*current, counted);
      // Storage deletes the key's aliases with it (a cascade); memory forgets them here.
      for (std::string& slot : AliasSlotsOf(current->id, aliases)) aliases[slot] = nullptr;
      storage::KeyWrite write;
      write.kind = storage::KeyWrite::Kind::kDelete;
      write.key.key_id = current->id;
      write.key.seq = current->seq;
      writes.push_back(std::move(write));
      staged[current->id] = nullptr;
      deleted.push_back(current);
      c.outcome = current;
      return;
    }
  }
}

KeyPtr KeyStore::Find(std::string_view key_id) const {
  ReaderLock lock(mu_);
  auto it = by_id_.find(key_id);
  return it == by_id_.end() ? nullptr : it->second;
}

AliasPtr KeyStore::FindAlias(std::string_view account, std::string_view region,
                             std::string_view name) const {
  std::string slot = AliasSlot(account, region, name);
  ReaderLock lock(mu_);
  auto it = by_alias_.find(slot);
  return it == by_alias_.end() ? nullptr : it->second;
}

std::vector<AliasPtr> KeyStore::ListAliases(std::string_view account, std::string_view region,
                                            std::string_view after_name, size_t limit) const {
  std::string scope = AliasSlot(account, region, "");
  std::string after = scope + std::string(after_name);
  std::vector<AliasPtr> out;
  ReaderLock lock(mu_);
  for (auto it = by_alias_.upper_bound(after);
       it != by_alias_.end() && it->first.starts_with(scope) && out.size() < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

std::vector<AliasPtr> KeyStore::AliasesOf(std::string_view key_id) const {
  std::vector<AliasPtr> out;
  ReaderLock lock(mu_);
  auto slots = alias_slots_of_key_.find(std::string(key_id));
  if (slots == alias_slots_of_key_.end()) return out;
  for (const std::string& slot : slots->second) out.push_back(by_alias_.at(slot));
  return out;
}

KeyPtr KeyStore::FindByVersion(std::string_view version_id) const {
  ReaderLock lock(mu_);
  auto it = by_version_id_.find(version_id);
  return it == by_version_id_.end() ? nullptr : it->second;
}

std::vector<KeyPtr> KeyStore::List(std::string_view account, std::string_view region,
                                   int64_t after_seq, size_t limit) const {
  ReaderLock lock(mu_);
  std::vector<KeyPtr> out;
  auto first = std::upper_bound(by_seq_.begin(), by_seq_.end(), after_seq,
                                [](int64_t seq, const SeqEntry& e) { return seq < e.seq; });
  for (auto it = first; it != by_seq_.end() && out.size() < limit; ++it) {
    const KeyPtr& key = it->key;
    if (key && key->account == account && key->region == region) out.push_back(key);
  }
  return out;
}

bool KeyScope::Contains(const Key& key) const {
  return (!account || key.account == *account) && (!region || key.region == *region);
}

std::vector<KeyPtr> KeyStore::ListIn(const KeyScope& scope) const {
  ReaderLock lock(mu_);
  std::vector<KeyPtr> out;
  for (const SeqEntry& entry : by_seq_) {
    if (entry.key && scope.Contains(*entry.key)) out.push_back(entry.key);
  }
  return out;
}

int64_t KeyStore::CustomerKeyCount(std::string_view account, std::string_view region) {
  MutexLock write(write_mu_);
  auto known = key_count_.find(QuotaScope(account, region));
  return known == key_count_.end() ? 0 : known->second;
}

size_t KeyStore::size() const {
  ReaderLock lock(mu_);
  return by_id_.size();
}

std::vector<KeyPtr> KeyStore::KeysWithGrants(std::string_view region) const {
  std::vector<KeyPtr> out;
  ReaderLock lock(mu_);
  for (const std::string& id : keys_with_grants_) {
    const KeyPtr& key = by_id_.at(id);
    if (key->region == region) out.push_back(key);
  }
  return out;
}

Status KeyStore::Delete(const Key& key) {
  {
    WriterLock lock(mu_);
    auto published = by_id_.find(key.id);
    if (published != by_id_.end() && published->second->deletion_date_ms) {
      deletion_due_.erase({*published->second->deletion_date_ms, key.id});
    }
    if (published != by_id_.end() && published->second->next_rotation_ms) {
      rotation_due_.erase({*published->second->next_rotation_ms, key.id});
    }
    for (const auto& v : key.versions) by_version_id_.erase(v->id_view());
    by_id_.erase(key.id);
    keys_with_grants_.erase(key.id);
    auto at = AtOrAfter(by_seq_, key.seq);
    if (at != by_seq_.end() && at->seq == key.seq && at->key) {
      at->key = nullptr;
      ++seq_holes_;
    }
    // Compacts once holes are half the entries: each deletion costs O(1) on average.
    if (seq_holes_ * 2 > by_seq_.size()) {
      std::erase_if(by_seq_, [](const SeqEntry& e) { return e.key == nullptr; });
      seq_holes_ = 0;
    }
  }
  // A request still holding an older snapshot of the key cannot unwrap it again after this.
  for (const auto& v : key.versions) {
    TRY_STATUS(material_.Forget(*v));
    TRY_STATUS(hsm_.DeleteKeyMaterial(v->stored()));
  }
  return Status::Ok();
}

Result<MaterialCache::Pin> KeyStore::HandleFor(const Key& key, const KeyVersion& version) {
  for (const auto& v : key.versions) {
    if (v.get() != &version) continue;
    auto pin = material_.Acquire(v);
    if (!pin.ok() && pin.status().code() == ErrorCode::kNotFound) {
      return KeyDoesNotExist(key.arn());
    }
    return pin;
  }
  return InternalError("HandleFor: the version is not one of the key's");
}

}  // namespace trent::kms
