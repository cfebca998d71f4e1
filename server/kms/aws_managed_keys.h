// AWS managed keys: the key AWS creates in an account and region the first time an
// "alias/aws/<service>" alias is used there, with AWS's description and default key policy.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace trent::kms {

// The KeyManager of AWS managed keys (customer keys have "CUSTOMER").
constexpr const char* kAwsKeyManager = "AWS";
constexpr const char* kCustomerKeyManager = "CUSTOMER";

struct AwsManagedAlias {
  std::string_view alias_name;   // "alias/aws/<service>"
  std::string_view description;  // of the key AWS creates for it
};

// The aliases AWS predefines in every account and region, by name. ListAliases shows each
// (without TargetKeyId) until its key is created.
std::span<const AwsManagedAlias> PredefinedAwsAliases();
const AwsManagedAlias* FindPredefinedAwsAlias(std::string_view alias_name);

// AWS's key policy of an AWS managed key: the service may use the key on behalf of the
// account's principals, the account may read its metadata. JSON text.
std::string AwsManagedKeyPolicy(std::string_view alias_name, std::string_view account,
                                std::string_view region);

}  // namespace trent::kms
