#include <algorithm>

#include "server/kms/rotation.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

constexpr PageLimits kRotationPages{.default_size = 100, .max_size = 1000};

boost::json::object RotationListEntry(const kms::Key& key, const kms::KeyVersion& version) {
  boost::json::object entry;
  entry["KeyId"] = key.arn();
  entry["KeyMaterialId"] = version.key_material_id.Hex();
  entry["KeyMaterialState"] = &version == &key.current_version() ? "CURRENT" : "NON_CURRENT";
  if (version.rotation_type != kms::RotationType::kNone) {
    entry["RotationDate"] = ToEpochSeconds(version.created_at_ms);
    entry["RotationType"] = kms::RotationTypeName(version.rotation_type);
  }
  return entry;
}

}  // namespace

// Oldest first. ROTATIONS_ONLY (the default) lists the materials rotations made;
// ALL_KEY_MATERIAL adds the key's first material. The marker is the KeyMaterialId of the last
// material returned; AWS's text for a marker it cannot read is not recorded publicly: this one
// is trent's.
Result<Output> ListKeyRotations(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY_STATUS(kms::RequireRotatable(*key));
  const bool all = GetString(in, "IncludeKeyMaterial").value_or("") == "ALL_KEY_MATERIAL";
  const size_t limit = PageSize(in, kRotationPages);
  auto first = key->versions.begin();
  if (!all) ++first;  // the first material is no rotation
  if (auto marker = GetString(in, "Marker")) {
    const std::optional<kms::KeyMaterialId> after_id = kms::KeyMaterialId::FromHex(*marker);
    auto after = std::find_if(first, key->versions.end(), [&](const auto& v) {
      return after_id && v->key_material_id == *after_id;
    });
    if (after == key->versions.end()) {
      return Status(ErrorCode::kInvalidMarker, "Could not parse marker " + std::string(*marker));
    }
    first = after + 1;
  }
  boost::json::array rotations;
  auto it = first;
  for (; it != key->versions.end() && rotations.size() < limit; ++it) {
    rotations.push_back(RotationListEntry(*key, **it));
  }
  const bool truncated = it != key->versions.end();
  Output out;
  out["Rotations"] = std::move(rotations);
  out["Truncated"] = truncated;
  if (truncated) out["NextMarker"] = (*(it - 1))->key_material_id.Hex();
  return out;
}

}  // namespace trent::ops
