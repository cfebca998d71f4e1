#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> DescribeKey(const Call& call, const Input& in, Services& s) {
  TRY(kms::KeyPtr key, ResolveKey(call, *GetString(in, "KeyId"), s));
  Output out;
  out["KeyMetadata"] = KeyMetadata(*key);
  return out;
}

}  // namespace trent::ops
