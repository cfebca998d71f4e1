// UUID version 4 text, as AWS uses for key ids and request ids.
#pragma once

#include <cstdint>
#include <string>

namespace trent {

// Writes the 36-character lowercase form of `random` into `out`, with the version (4) and
// variant (RFC 4122) bits set. The caller chooses the randomness source.
void FormatUuidV4(const uint8_t random[16], std::string& out);

// A new request id (UUID v4 text, as AWS's request ids are) into `out`. Unique, not secret:
// from a per-thread PRNG.
void NewRequestId(std::string& out);

}  // namespace trent
