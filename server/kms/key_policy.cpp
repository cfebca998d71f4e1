#include "server/kms/key_policy.h"

#include <mutex>
#include <unordered_map>

namespace trent::kms {

std::string DefaultKeyPolicy(std::string_view account) {
  // AWS's text and layout, as GetKeyPolicy returns it for a key made without a policy (the
  // example response of docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html,
  // and aws kms get-key-policy transcripts): Id "key-default-1", one statement, two-space
  // indentation with " : " between names and values, "[ {" opening the statement list, and no
  // newline after the closing brace. The account is digits: nothing to escape.
  return "{\n"
         "  \"Version\" : \"2012-10-17\",\n"
         "  \"Id\" : \"key-default-1\",\n"
         "  \"Statement\" : [ {\n"
         "    \"Sid\" : \"Enable IAM User Permissions\",\n"
         "    \"Effect\" : \"Allow\",\n"
         "    \"Principal\" : {\n"
         "      \"AWS\" : \"" + policy::AccountRootArn(account) + "\"\n"
         "    },\n"
         "    \"Action\" : \"kms:*\",\n"
         "    \"Resource\" : \"*\"\n"
         "  } ]\n"
         "}";
}

Result<policy::DocumentPtr> ParseKeyPolicy(std::string_view text) {
  // The model lets Policy be up to 131072 characters; the quota is lower, and a longer policy
  // is LimitExceededException (the Policy member's documentation in the service model). AWS's
  // message for it is not published: this one is trent's.
  if (text.size() > kMaxKeyPolicyBytes) {
    return Status(ErrorCode::kLimitExceeded,
                  "The key policy is " + std::to_string(text.size()) +
                      " bytes long, over the key policy size quota of " +
                      std::to_string(kMaxKeyPolicyBytes) + " bytes.");
  }
  return policy::Parse(text, policy::Kind::kKeyPolicy);
}

KeyPolicyPtr MakeKeyPolicy(std::string text, policy::DocumentPtr document) {
  return std::make_shared<const KeyPolicy>(KeyPolicy{std::move(text), std::move(document)});
}

Result<KeyPolicyPtr> DefaultKeyPolicyOf(std::string_view account) {
  // As many entries as accounts that hold keys, which the configured identities bound.
  static std::mutex mu;
  static std::unordered_map<std::string, KeyPolicyPtr> by_account;
  std::lock_guard lock(mu);
  KeyPolicyPtr& policy = by_account[std::string(account)];
  if (!policy) {
    std::string text = DefaultKeyPolicy(account);
    Result<policy::DocumentPtr> document = ParseKeyPolicy(text);
    if (!document.ok()) {
      return InternalError("the default key policy does not parse: " +
                           document.status().message());
    }
    policy = MakeKeyPolicy(std::move(text), *std::move(document));
  }
  return policy;
}

}  // namespace trent::kms
