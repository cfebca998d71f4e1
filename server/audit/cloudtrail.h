// A request record as an AWS CloudTrail event of KMS (eventVersion 1.11, as the KMS Developer
// Guide's CloudTrail examples show them), one JSON object per request.
#pragma once

#include <string>

#include "server/records/record.h"

namespace trent::audit {

inline constexpr char kEventVersion[] = "1.11";
inline constexpr char kEventSource[] = "kms.amazonaws.com";

// The event as one line of JSON, without the line end. The record holds no secret (its request
// parameters and response elements are model::LoggableView's), and neither does the event.
std::string CloudTrailEvent(const records::RequestRecord& record);

}  // namespace trent::audit
