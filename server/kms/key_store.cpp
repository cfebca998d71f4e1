#include "server/kms/key_store.h"

#include <openssl/rand.h>

#include <mutex>

#include "server/kms/identifiers.h"

namespace trent::kms {
namespace {

Bytes RandomBytes(size_t n) {
  Bytes b(n);
  RAND_bytes(b.data(), static_cast<int>(n));
  return b;
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
  row.policy = key.policy;
  row.current_version_id = key.current_version().id;
  for (const auto& v : key.versions) {
    row.versions.push_back({v->id, key.id, v->created_at_ms, v->wrapped_material, v->key_material_id});
  }
  for (const auto& t : key.tags) row.tags.push_back({t.key, t.value});
  return row;
}

Result<KeyPtr> FromRow(storage::KeyRow row) {
  auto key = std::make_shared<Key>();
  key->seq = row.seq;
  key->id = std::move(row.key_id);
  key->account = std::move(row.account);
  key->region = std::move(row.region);
  key->arn = KeyArn(key->region, key->account, key->id);
  key->created_at_ms = row.created_at_ms;
  key->description = std::move(row.description);
  key->key_usage = std::move(row.key_usage);
  key->key_spec = std::move(row.key_spec);
  key->origin = std::move(row.origin);
  key->key_manager = std::move(row.key_manager);
  key->multi_region = row.multi_region;
  auto state = ParseKeyState(row.key_state);
  if (!state) return InternalError("key " + key->id + " has unknown state " + row.key_state);
  key->state = *state;
  key->deletion_date_ms = row.deletion_date_ms;
  key->pending_window_days = row.pending_window_days;
  key->policy = std::move(row.policy);
  std::shared_ptr<const KeyVersion> current;
  for (auto& v : row.versions) {
    auto version = std::make_shared<KeyVersion>();
    version->id = std::move(v.version_id);
    version->created_at_ms = v.created_at_ms;
    version->wrapped_material = std::move(v.wrapped_material);
    version->key_material_id = std::move(v.key_material_id);
    if (version->id == row.current_version_id) current = version;
    else key->versions.push_back(std::move(version));
  }
  if (!current) return InternalError("key " + key->id + " has no current key version");
  key->versions.push_back(std::move(current));  // the current version is always last
  for (auto& t : row.tags) key->tags.push_back({std::move(t.key), std::move(t.value)});
  return KeyPtr(std::move(key));
}

}  // namespace

Result<std::unique_ptr<KeyStore>> KeyStore::Load(storage::KeyRepository& repo, hsm::Hsm& hsm,
                                                 size_t key_cache_size) {
  TRY(auto rows, repo.LoadAll());
  std::unique_ptr<KeyStore> store(new KeyStore(repo, hsm, key_cache_size));
  std::unique_lock lock(store->mu_);
  for (auto& row : rows) {
    TRY(auto key, FromRow(std::move(row)));
    store->Publish(std::move(key));
  }
  lock.unlock();
  return store;
}

void KeyStore::Publish(KeyPtr key) {
  for (const auto& v : key->versions) key_id_by_version_[std::string(AsStringView(v->id))] = key->id;
  by_seq_[key->seq] = key;
  by_id_[key->id] = std::move(key);
}

Result<KeyPtr> KeyStore::Create(const NewKeySpec& spec, int64_t now_ms) {
  TRY(Bytes wrapped, hsm_.GenerateWrappedAesKey());
  auto version = std::make_shared<KeyVersion>();
  version->id = RandomBytes(KeyVersion::kIdSize);
  version->created_at_ms = now_ms;
  version->wrapped_material = std::move(wrapped);
  version->key_material_id = HexEncode(RandomBytes(32));

  auto key = std::make_shared<Key>();
  key->id = NewUuid();
  key->account = spec.account;
  key->region = spec.region;
  key->arn = KeyArn(spec.region, spec.account, key->id);
  key->created_at_ms = now_ms;
  key->description = spec.description;
  key->key_usage = spec.key_usage;
  key->key_spec = spec.key_spec;
  key->policy = spec.policy;
  key->tags = spec.tags;
  key->versions.push_back(std::move(version));

  // Storage assigns seq; one writer at a time keeps seq order and publication order the same.
  std::lock_guard write(write_mu_);
  TRY(key->seq, repo_.InsertKey(ToRow(*key)));
  std::unique_lock lock(mu_);
  Publish(key);
  return KeyPtr(key);
}

KeyPtr KeyStore::Find(std::string_view key_id) const {
  std::shared_lock lock(mu_);
  auto it = by_id_.find(std::string(key_id));
  return it == by_id_.end() ? nullptr : it->second;
}

KeyPtr KeyStore::FindByVersion(std::string_view version_id) const {
  std::shared_lock lock(mu_);
  auto it = key_id_by_version_.find(std::string(version_id));
  if (it == key_id_by_version_.end()) return nullptr;
  auto key = by_id_.find(it->second);
  return key == by_id_.end() ? nullptr : key->second;
}

std::vector<KeyPtr> KeyStore::List(std::string_view account, std::string_view region,
                                   int64_t after_seq, size_t limit) const {
  std::shared_lock lock(mu_);
  std::vector<KeyPtr> out;
  for (auto it = by_seq_.upper_bound(after_seq); it != by_seq_.end() && out.size() < limit; ++it) {
    if (it->second->account == account && it->second->region == region) out.push_back(it->second);
  }
  return out;
}

Result<KeyPtr> KeyStore::SetState(const Key& key, KeyState state,
                                  std::optional<int64_t> deletion_date_ms,
                                  std::optional<int32_t> pending_window_days) {
  std::lock_guard write(write_mu_);
  KeyPtr current = Find(key.id);
  if (!current) return NotFoundError("Key '" + key.arn + "' does not exist");
  TRY_STATUS(repo_.UpdateKeyState(key.id, KeyStateName(state), deletion_date_ms,
                                  pending_window_days));
  auto next = std::make_shared<Key>(*current);
  next->state = state;
  next->deletion_date_ms = deletion_date_ms;
  next->pending_window_days = pending_window_days;
  std::unique_lock lock(mu_);
  Publish(next);
  return KeyPtr(next);
}

Result<size_t> KeyStore::PurgeExpired(int64_t now_ms) {
  // Held throughout, so no cancellation can slip in between the check and the delete.
  std::lock_guard write(write_mu_);
  std::vector<KeyPtr> expired;
  {
    std::shared_lock lock(mu_);
    for (const auto& [seq, key] : by_seq_) {
      if (key->state == KeyState::kPendingDeletion && key->deletion_date_ms &&
          *key->deletion_date_ms <= now_ms) {
        expired.push_back(key);
      }
    }
  }
  for (const auto& key : expired) TRY_STATUS(Delete(*key));
  return expired.size();
}

Status KeyStore::Delete(const Key& key) {
  TRY_STATUS(repo_.DeleteKey(key.id));
  {
    std::unique_lock lock(mu_);
    for (const auto& v : key.versions) key_id_by_version_.erase(std::string(AsStringView(v->id)));
    by_seq_.erase(key.seq);
    by_id_.erase(key.id);
  }
  // A request still holding an older snapshot of the key cannot unwrap it again after this.
  for (const auto& v : key.versions) TRY_STATUS(material_.Forget(*v));
  return Status::Ok();
}

Result<MaterialCache::Pin> KeyStore::HandleFor(const Key& key, const KeyVersion& version) {
  for (const auto& v : key.versions) {
    if (v.get() != &version) continue;
    auto pin = material_.Acquire(v);
    if (!pin.ok() && pin.status().code() == ErrorCode::kNotFound) {
      return NotFoundError("Key '" + key.arn + "' does not exist");
    }
    return pin;
  }
  return InternalError("HandleFor: the version is not one of the key's");
}

}  // namespace trent::kms

