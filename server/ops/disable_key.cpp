#include "server/ops/shared.h"

namespace trent::ops {

Result<KeyChange> DisableKey(const Call& call, const Input& in, Services& s) {
  return ChangeKeyState(call, in, s, kms::Disable);
}

}  // namespace trent::ops
