// Grant identifiers and grant tokens, and AWS's per-key grant quota.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/kms/key.h"

namespace trent::kms {

// AWS's quota of grants per customer managed key (not applied to AWS managed keys): "Grants
// per KMS key: 50,000" (KMS Developer Guide, Resource quotas).
inline constexpr size_t kMaxGrantsPerKey = 50000;

// Whether a key supports `operation` (a GrantOperation value) in a grant: the operations of
// its key usage, and of its spec (data keys only from symmetric keys, GetPublicKey only from
// key pairs), besides CreateGrant, RetireGrant and DescribeKey, which every key supports.
// The KMS Developer Guide's "Grant operations": grants for symmetric encryption keys cannot
// allow Sign, Verify, GenerateMac or VerifyMac; grants for asymmetric keys cannot allow any
// operation that generates data keys or data key pairs.
bool KeySupportsGrantOperation(const Key& key, std::string_view operation);

// Whether a grant for the key may have an encryption-context constraint: only symmetric
// encryption keys take an encryption context (the service model's CreateGrant Constraints).
bool KeyTakesGrantConstraints(const Key& key);

// A new grant id: 64 lowercase hex characters (32 random bytes), as AWS's look.
Result<std::string> NewGrantId();

// What a grant token names.
struct GrantTokenRef {
  std::string key_id;
  std::string grant_id;
};

// A new grant token for the grant: an opaque base64 string, different each time (AWS returns a
// new token for every CreateGrant, even when Name makes it return an existing grant), that
// trent can read back: base64 of a version byte, the key id, the grant id and 16 random bytes.
Result<std::string> NewGrantToken(std::string_view key_id, std::string_view grant_id);

// The grant a token names; InvalidGrantTokenException when `token` is not one trent made.
Result<GrantTokenRef> ParseGrantToken(std::string_view token);

// InvalidGrantTokenException. AWS's message for a token it cannot read is not published; this
// is the description of the exception in the service model.
Status InvalidGrantToken();

}  // namespace trent::kms
