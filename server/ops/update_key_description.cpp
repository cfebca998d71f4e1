#include "server/ops/shared.h"

namespace trent::ops {

Result<KeyChange> UpdateKeyDescription(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  return KeyChange{key, [description = std::string(*GetString(in, "Description"))](kms::Key& k) {
                     TRY_STATUS(kms::RequireNotPendingDeletion(k));
                     k.description = description;
                     return Status::Ok();
                   }};
}

}  // namespace trent::ops
