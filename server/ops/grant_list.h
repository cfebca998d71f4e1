// What the grant operations share: the GrantListEntry structure of ListGrants and
// ListRetirableGrants, their paging, and the grant-id and lookup rules of RetireGrant and
// RevokeGrant.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "server/kms/key.h"
#include "server/ops/handlers.h"

namespace trent::ops {

// One listed grant with the key it belongs to.
using GrantOfKey = std::pair<const kms::Key*, const policy::Grant*>;

// Limit (1..100, default 50; the model allows up to 1000, AWS documents 100, and "might return
// fewer") and Marker (how many entries earlier pages returned) applied to `grants`: the answer
// {Grants, Truncated, NextMarker}. InvalidMarkerException for a marker trent did not make.
Result<Output> GrantPage(const Input& in, std::span<const GrantOfKey> grants);

// InvalidGrantIdException when `grant_id` cannot be a grant id (64 hex characters). AWS's
// message is not published: this is the description of the exception in the service model.
Status CheckGrantId(std::string_view grant_id);

// NotFoundException when the key has no grant `grant_id`. AWS's words are not published; these
// are trent's.
Status GrantNotFound(const kms::Key& key, std::string_view grant_id);

// An edit (KeyStore::Update) that erases the grant `grant_id` from the key, NotFoundException
// when it has none (any key state: RetireGrant and RevokeGrant work in every state).
Status EraseGrant(kms::Key& key, std::string_view grant_id);

}  // namespace trent::ops
