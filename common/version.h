// trentd's version: project(trent VERSION ...) in CMakeLists.txt is the one place it is set.
#pragma once

namespace trent {

// e.g. "0.14.0"
const char* TrentVersion();

}  // namespace trent
