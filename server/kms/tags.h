// AWS KMS's rules for the tags of one key, for CreateKey now and TagResource later.
// The service model already bounds each tag key (1..128) and value (0..256 characters):
// those violations are ValidationExceptions from the codec. The rules here are TagExceptions.
#pragma once

#include <cstddef>
#include <vector>

#include "common/status.h"
#include "server/kms/key.h"

namespace trent::kms {

// AWS allows 50 user-created tags per key.
constexpr size_t kMaxTagsPerKey = 50;

// TagException with AWS's text when `tags` (the tags one request gives a key) break a rule:
// "Duplicate tag keys", "Too many tags", "Tags beginning with aws: are reserved" (the prefix in
// any case). Checked in that order (LocalStack's, whose single-rule cases are recorded from
// AWS; the order for a request that breaks several is not documented). O(n log n) in the tags.
Status CheckTags(const std::vector<Tag>& tags);

}  // namespace trent::kms
