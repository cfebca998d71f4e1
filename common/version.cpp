#include "common/version.h"

namespace trent {

// TRENT_VERSION comes from CMakeLists.txt (PROJECT_VERSION), for this file only.
const char* TrentVersion() { return TRENT_VERSION; }

}  // namespace trent
