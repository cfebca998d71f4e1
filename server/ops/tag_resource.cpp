#include "server/kms/tags.h"
#include "server/ops/shared.h"

namespace trent::ops {

Result<KeyChange> TagResource(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  TRY(std::vector<kms::Tag> tags, ReadTags(in));
  return KeyChange{key, [tags = std::move(tags)](kms::Key& k) {
                     TRY_STATUS(kms::RequireNotPendingDeletion(k));
                     return kms::AddTags(k.tags, tags);
                   }};
}

}  // namespace trent::ops
