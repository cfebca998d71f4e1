// UUID version 4 text, as AWS uses for key ids and request ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace trent {

// Writes the 36-character lowercase form of `random` into `out`, with the version (4) and
// variant (RFC 4122) bits set. The caller chooses the randomness source.
void FormatUuidV4(const uint8_t random[16], std::string& out);

// A new request id (UUID v4 text, as AWS's request ids are) into `out`. Unique, not secret:
// from a per-thread PRNG.
void NewRequestId(std::string& out);

// The CloudTrail eventID of the request `request_id` (NewRequestId's text) into `out`: trent's
// audit log and GetKeyLastUsage's CloudTrailEventId both give it, as AWS gives the same eventID
// in CloudTrail and GetKeyLastUsage. Derived from the request id (each of its random hex digits
// moved by a fixed, non-zero step), so nothing stores it, distinct request ids have distinct
// event ids, and an event id is never its request id, as in AWS. Version and variant stay.
void CloudTrailEventIdOf(std::string_view request_id, std::string& out);

}  // namespace trent
