#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> UpdateKeyDescription(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  std::string description(*GetString(in, "Description"));
  TRY_STATUS(s.keys.Update(*key, [&description](kms::Key& k) {
    TRY_STATUS(kms::RequireNotPendingDeletion(k));
    k.description = description;
    return Status::Ok();
  }).status());
  return Output{};
}

}  // namespace trent::ops
