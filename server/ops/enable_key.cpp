#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> EnableKey(const Call& call, const Input& in, Services& s) {
  return ChangeKeyState(call, in, s, "kms:EnableKey", kms::Enable);
}

}  // namespace trent::ops
