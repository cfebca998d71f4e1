// A key's key policy: AWS's default for keys made without one, and the rules every key policy
// text must meet before a key may hold it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "policy/policy.h"

namespace trent::kms {

// The name of a key's only key policy (PolicyName of GetKeyPolicy, PutKeyPolicy and
// ListKeyPolicies).
constexpr std::string_view kDefaultPolicyName = "default";

// The key policy size quota, in bytes (AWS's "Key policy document size" resource quota:
// 32 KB, 32,768 bytes, docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html).
constexpr size_t kMaxKeyPolicyBytes = 32768;

// AWS's default key policy for a key of `account` made without a policy (CreateKey without
// Policy): the account's root may do anything with the key, which lets the account's IAM
// policies give access to it. The text exactly as GetKeyPolicy returns it. Keys holding it are
// stored without a policy text and get this one when loaded: a change to it would change
// their policy, so it must come with a schema migration that writes the old text into them.
std::string DefaultKeyPolicy(std::string_view account);

// `json` (a policy document) in the layout of the policies AWS writes itself, as GetKeyPolicy
// returns them (the default key policy, AWS managed keys' policies): two-space indentation,
// " : " between a name and its value, every list on one line ("[ "a", "b" ]", statements as
// "[ {" ... "}, {" ... "} ]"), no newline at the end. kInternal when `json` is not JSON.
Result<std::string> AwsPolicyText(std::string_view json);

// `text` as a key policy document: LimitExceededException beyond kMaxKeyPolicyBytes,
// MalformedPolicyDocumentException with AWS's reason when it is not a valid key policy.
Result<policy::DocumentPtr> ParseKeyPolicy(std::string_view text);

// A key's policy: the text exactly as stored and returned, and the document authorization
// evaluates. Immutable, so keys with the same policy share one (most keys hold their account's
// default: one copy per account instead of one per key).
struct KeyPolicy {
  std::string text;
  policy::DocumentPtr document;
};
using KeyPolicyPtr = std::shared_ptr<const KeyPolicy>;

// `text` with its parsed `document`.
KeyPolicyPtr MakeKeyPolicy(std::string text, policy::DocumentPtr document);
// The default key policy of `account` (DefaultKeyPolicy), parsed once per account.
Result<KeyPolicyPtr> DefaultKeyPolicyOf(std::string_view account);

}  // namespace trent::kms
