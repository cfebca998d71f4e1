// AWS managed keys: the key AWS creates in an account and region the first time an
// "alias/aws/<service>" alias is used there, with AWS's description and default key policy.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace trent::kms {

// The KeyManager of AWS managed keys (customer keys have "CUSTOMER").
constexpr const char* kAwsKeyManager = "AWS";
constexpr const char* kCustomerKeyManager = "CUSTOMER";

struct AwsManagedAlias {
  std::string_view alias_name;   // "alias/aws/<service>"
  std::string_view description;  // of the key AWS creates for it
  // That key's policy: compact JSON, with {account} and {region} where the account and region
  // of the key go (AwsManagedKeyPolicy fills them in).
  std::string_view policy;
};

// The aliases AWS predefines in every account and region, by name. ListAliases shows each
// (without TargetKeyId) until its key is created.
std::span<const AwsManagedAlias> PredefinedAwsAliases();
const AwsManagedAlias* FindPredefinedAwsAlias(std::string_view alias_name);

// AWS's key policy of the key of `alias` in `account` and `region`, as GetKeyPolicy returns
// it: mostly, the service may use the key on behalf of the account's principals, and the
// account may read its metadata.
Result<std::string> AwsManagedKeyPolicy(const AwsManagedAlias& alias, std::string_view account,
                                        std::string_view region);

}  // namespace trent::kms
