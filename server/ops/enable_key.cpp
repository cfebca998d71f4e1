#include "server/ops/shared.h"

namespace trent::ops {

Result<KeyChange> EnableKey(const Call& call, const Input& in, Services& s) {
  return ChangeKeyState(call, in, s, kms::Enable);
}

}  // namespace trent::ops
