#include "server/ops/shared.h"

namespace trent::ops {

Result<Output> DisableKey(const Call& call, const Input& in, Services& s) {
  return ChangeKeyState(call, in, s, "kms:DisableKey", kms::Disable);
}

}  // namespace trent::ops
