// AWS KMS's rules for the tags of one key (CreateKey, TagResource, UntagResource).
// The service model already bounds each tag key (1..128) and value (0..256 characters):
// those violations are ValidationExceptions from the codec. The rules here are TagExceptions.
#pragma once

#include <cstddef>
#include <string>
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

// TagResource's edit: each of `added` (already through CheckTags) replaces the value of the
// key's tag with the same key, in its place, or is appended. TagException "Too many tags" when
// the key would then hold more than kMaxTagsPerKey (AWS counts the result; its error for a
// result beyond the limit is not recorded publicly: trent answers as for a request beyond it).
// Tags keep the order they were first added in, which ListResourceTags returns (AWS does not
// document an order; trent's is stable across pages and restarts).
Status AddTags(std::vector<Tag>& tags, const std::vector<Tag>& added);

// UntagResource's edit: removes the tags with these keys; a key the tags do not hold is no
// error, as AWS documents.
void RemoveTags(std::vector<Tag>& tags, const std::vector<std::string>& keys);

}  // namespace trent::kms
