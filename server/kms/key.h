// The domain model of a KMS key: its metadata, versions and state machine.
// A Key is an immutable snapshot; a state change produces a new snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "hsm/hsm.h"
#include "policy/grant.h"
#include "policy/policy.h"
#include "server/kms/identifiers.h"
#include "server/kms/key_policy.h"
#include "server/kms/key_spec.h"

namespace trent::kms {

enum class KeyState { kEnabled, kDisabled, kPendingDeletion };

// AWS's Origin values trent's keys have: material made by KMS, or given to it.
inline constexpr const char* kOriginAwsKms = "AWS_KMS";
inline constexpr const char* kOriginExternal = "EXTERNAL";

// How a key version came to be: kNone for a key's first material, else the kind of rotation
// that made it (AWS's RotationType).
enum class RotationType { kNone, kAutomatic, kOnDemand };

const char* KeyStateName(KeyState state);
std::optional<KeyState> ParseKeyState(std::string_view name);
// "AUTOMATIC", "ON_DEMAND"; "" for kNone.
const char* RotationTypeName(RotationType type);
std::optional<RotationType> ParseRotationType(std::string_view name);

// AWS's KeyMaterialId of a key version: 32 bytes, written as 64 lowercase hex digits. Held as
// the bytes: every version has one, and the text would cost about 100 bytes more a version.
class KeyMaterialId {
 public:
  static constexpr size_t kSize = 32;

  KeyMaterialId() = default;
  // nullopt unless `bytes` has kSize bytes.
  static std::optional<KeyMaterialId> FromBytes(const Bytes& bytes);
  // nullopt unless `hex` is what Hex() writes: 2 * kSize lowercase hex digits.
  static std::optional<KeyMaterialId> FromHex(std::string_view hex);

  std::string Hex() const;
  bool operator==(const KeyMaterialId&) const = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

// One generation of key material. Ciphertexts name the version they were made with.
struct KeyVersion {
  static constexpr size_t kIdSize = 16;
  using Id = std::array<uint8_t, kIdSize>;
  Id id{};                       // random; held inline, as every version has one
  int64_t created_at_ms = 0;     // for a rotation, its RotationDate
  RotationType rotation_type = RotationType::kNone;
  hsm::KeyKind kind = hsm::KeyKind::kAes256;  // from the key's spec
  Bytes wrapped_material;        // under the HSM domain key; never plaintext
  Bytes public_key;              // a key pair's DER SubjectPublicKeyInfo; empty otherwise
  KeyMaterialId key_material_id;

  std::string_view id_view() const {
    return {reinterpret_cast<const char*>(id.data()), id.size()};
  }
  // The id from its bytes as stored; nullopt unless there are kIdSize of them.
  static std::optional<Id> IdFromBytes(std::string_view bytes);

  // What the HSM needs to load this version's material.
  hsm::StoredKey stored() const { return {kind, wrapped_material, public_key}; }

  // Where MaterialCache holds this version unwrapped in the HSM; only the cache reads it.
  mutable std::atomic<uint32_t> cache_slot{0};
};

class LastUsage;

struct Tag {
  std::string key;
  std::string value;
};

// Grants never change once made: snapshots of a key share them.
using GrantPtr = std::shared_ptr<const policy::Grant>;

struct Key {
  int64_t seq = 0;               // creation order, the ListKeys paging position
  std::string id;                // uuid
  std::string account;
  std::string region;
  int64_t created_at_ms = 0;
  std::string description;
  std::string key_usage = kEncryptDecrypt;
  std::string key_spec = kSymmetricDefault;
  std::string origin = kOriginAwsKms;
  std::string key_manager = "CUSTOMER";
  bool multi_region = false;
  KeyState state = KeyState::kEnabled;
  std::optional<int64_t> deletion_date_ms;
  std::optional<int32_t> pending_window_days;
  KeyPolicyPtr policy;                    // never null
  // Automatic rotation: both set while it is enabled (see rotation.h).
  std::optional<int32_t> rotation_period_days;
  std::optional<int64_t> next_rotation_ms;
  std::vector<std::shared_ptr<const KeyVersion>> versions;  // oldest first; the last is current
  std::vector<Tag> tags;
  // In creation order. Edits append new grants or erase grants; they never reorder or change
  // one (KeyStore stores only the difference).
  std::vector<GrantPtr> grants;
  // The key's last cryptographic use: one record shared by all its snapshots, written without
  // a new snapshot (see last_usage.h). Set by the key store for every key it holds.
  std::shared_ptr<LastUsage> last_usage;

  // Made when asked for, not held: a key's ARN follows from its region, account and id, and
  // holding it would cost about 130 bytes a key.
  std::string arn() const { return KeyArn(region, account, id); }
  const KeyVersion& current_version() const { return *versions.back(); }
  const KeyVersion* FindVersion(std::string_view version_id) const;
  // nullptr when the key has no grant of that id.
  const policy::Grant* FindGrant(std::string_view grant_id) const;
};

using KeyPtr = std::shared_ptr<const Key>;

// KMSInvalidStateException "<arn> is pending deletion.", as AWS words it.
Status PendingDeletion(const Key& key);
// State rules for using a key in a cryptographic operation, as AWS words them.
Status RequireUsable(const Key& key);
// The rule of the operations that change a key's metadata (TagResource, UntagResource,
// UpdateKeyDescription, ...): any state but PendingDeletion (KMSInvalidStateException).
Status RequireNotPendingDeletion(const Key& key);

// The state machine: each returns the key's next state or the AWS error for the transition.
Result<KeyState> NextStateOnEnable(const Key& key);
Result<KeyState> NextStateOnDisable(const Key& key);
Result<KeyState> NextStateOnScheduleDeletion(const Key& key);
Result<KeyState> NextStateOnCancelDeletion(const Key& key);

// The transitions as edits for KeyStore::Update: each changes `key` (the current key, decided
// under the writer lock) into its next state, or returns the AWS error and leaves it alone.
Status Enable(Key& key);
Status Disable(Key& key);
Status ScheduleDeletion(Key& key, int64_t deletion_date_ms, int32_t pending_window_days);
Status CancelDeletion(Key& key);  // back to Disabled, as AWS does

}  // namespace trent::kms
