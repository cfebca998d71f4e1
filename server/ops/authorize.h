// The authorize step of every request: the key policy, the caller's identity policies and the
// key's grants decide, as AWS's policy evaluation does (policy/decision.h). Operations on a key
// are authorized where the key is resolved (ResolveKey in ops/shared.h); operations on no key
// (CreateKey, ListKeys, GenerateRandom, ...) by the dispatcher, from the operation table.
#pragma once

#include <string_view>

#include "common/status.h"
#include "policy/policy.h"
#include "server/kms/key.h"
#include "server/ops/call.h"

namespace trent::ops {

// `call`'s caller may perform `action` ("kms:Encrypt") on `key`; `request_alias` is the alias
// name the request named the key by, if any (kms:RequestAlias). AccessDeniedException in AWS's
// words otherwise.
Status AuthorizeKey(const Call& call, std::string_view action, const kms::Key& key,
                    std::string_view request_alias, Services& s);

// AWS's key policy lockout safety check: whether `document`, as the key policy of the key
// `key_arn` of `key_account`, lets the caller (with its identity policies) make a later
// PutKeyPolicy request. Judged on who the caller is: that request's parameters are unknown.
bool AllowsLaterPutKeyPolicy(const Call& call, const policy::Document& document,
                             std::string_view key_arn, std::string_view key_account,
                             Services& s);

// The same for an operation on no key: only the caller's identity policies decide.
Status AuthorizeWithoutKey(const Call& call, Services& s);

}  // namespace trent::ops
