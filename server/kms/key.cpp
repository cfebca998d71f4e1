#include "server/kms/key.h"

#include <algorithm>
#include <cstring>

namespace trent::kms {

const char* KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kEnabled: return "Enabled";
    case KeyState::kDisabled: return "Disabled";
    case KeyState::kPendingDeletion: return "PendingDeletion";
  }
  return "Enabled";
}

std::optional<KeyState> ParseKeyState(std::string_view name) {
  for (KeyState s : {KeyState::kEnabled, KeyState::kDisabled, KeyState::kPendingDeletion}) {
    if (name == KeyStateName(s)) return s;
  }
  return std::nullopt;
}

std::optional<KeyMaterialId> KeyMaterialId::FromBytes(const Bytes& bytes) {
  if (bytes.size() != kSize) return std::nullopt;
  KeyMaterialId id;
  std::copy(bytes.begin(), bytes.end(), id.bytes_.begin());
  return id;
}

std::optional<KeyMaterialId> KeyMaterialId::FromHex(std::string_view hex) {
  KeyMaterialId id;
  if (!HexDecodeInto(hex, id.bytes_.data(), kSize, HexCase::kLowerOnly)) return std::nullopt;
  return id;
}

std::string KeyMaterialId::Hex() const { return HexEncode(bytes_.data(), bytes_.size()); }

std::optional<KeyVersion::Id> KeyVersion::IdFromBytes(std::string_view bytes) {
  if (bytes.size() != kIdSize) return std::nullopt;
  Id id;
  std::memcpy(id.data(), bytes.data(), kIdSize);
  return id;
}

const KeyVersion* Key::FindVersion(std::string_view version_id) const {
  for (const auto& v : versions) {
    if (v->id_view() == version_id) return v.get();
  }
  return nullptr;
}

const char* RotationTypeName(RotationType type) {
  switch (type) {
    case RotationType::kNone: return "";
    case RotationType::kAutomatic: return "AUTOMATIC";
    case RotationType::kOnDemand: return "ON_DEMAND";
  }
  return "";
}

std::optional<RotationType> ParseRotationType(std::string_view name) {
  for (RotationType t : {RotationType::kNone, RotationType::kAutomatic, RotationType::kOnDemand}) {
    if (name == RotationTypeName(t)) return t;
  }
  return std::nullopt;
}

const policy::Grant* Key::FindGrant(std::string_view grant_id) const {
  for (const GrantPtr& grant : grants) {
    if (grant->grant_id == grant_id) return grant.get();
  }
  return nullptr;
}

Status PendingDeletion(const Key& key) {
  return {ErrorCode::kInvalidState, key.arn() + " is pending deletion."};
}

Status RequireUsable(const Key& key) {
  switch (key.state) {
    case KeyState::kEnabled: return Status::Ok();
    case KeyState::kDisabled: return {ErrorCode::kDisabled, key.arn() + " is disabled."};
    case KeyState::kPendingDeletion: return PendingDeletion(key);
  }
  return InternalError("unknown key state");
}

Status RequireNotPendingDeletion(const Key& key) {
  if (key.state == KeyState::kPendingDeletion) return PendingDeletion(key);
  return Status::Ok();
}

Result<KeyState> NextStateOnEnable(const Key& key) {
  if (key.state == KeyState::kPendingDeletion) return PendingDeletion(key);
  return KeyState::kEnabled;
}

Result<KeyState> NextStateOnDisable(const Key& key) {
  if (key.state == KeyState::kPendingDeletion) return PendingDeletion(key);
  return KeyState::kDisabled;
}

Result<KeyState> NextStateOnScheduleDeletion(const Key& key) {
  if (key.state == KeyState::kPendingDeletion) return PendingDeletion(key);
  return KeyState::kPendingDeletion;
}

Result<KeyState> NextStateOnCancelDeletion(const Key& key) {
  if (key.state != KeyState::kPendingDeletion) {
    return Status(ErrorCode::kInvalidState, key.arn() + " is not pending deletion.");
  }
  return KeyState::kDisabled;
}

Status Enable(Key& key) {
  TRY(key.state, NextStateOnEnable(key));
  return Status::Ok();
}

Status Disable(Key& key) {
  TRY(key.state, NextStateOnDisable(key));
  return Status::Ok();
}

Status ScheduleDeletion(Key& key, int64_t deletion_date_ms, int32_t pending_window_days) {
  TRY(key.state, NextStateOnScheduleDeletion(key));
  key.deletion_date_ms = deletion_date_ms;
  key.pending_window_days = pending_window_days;
  return Status::Ok();
}

Status CancelDeletion(Key& key) {
  TRY(key.state, NextStateOnCancelDeletion(key));
  key.deletion_date_ms.reset();
  key.pending_window_days.reset();
  return Status::Ok();
}

}  // namespace trent::kms
