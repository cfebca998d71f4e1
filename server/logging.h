// trentd's log: spdlog to stderr, readable text by default, or one JSON object per line
// ({"time", "level", "logger", "message"}) for log collectors. Messages never carry secrets:
// code that logs passes ids, operations and error texts, never plaintexts or key material.
#pragma once

#include <string>

namespace trent {

void SetUpLogging(const std::string& level, bool json);

}  // namespace trent
