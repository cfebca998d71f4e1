#include "server/kms/tags.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<KeyChange> UntagResource(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  std::vector<std::string> tag_keys;
  for (const auto& tag_key : in.at("TagKeys").get_array()) {
    tag_keys.emplace_back(tag_key.get_string());
  }
  return KeyChange{key, [tag_keys = std::move(tag_keys)](kms::Key& k) {
                     TRY_STATUS(kms::RequireNotPendingDeletion(k));
                     kms::RemoveTags(k.tags, tag_keys);
                     return Status::Ok();
                   }};
}

}  // namespace trent::ops
