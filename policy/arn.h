// The parts of ARNs and account ids that principals, resources and ARN conditions use.
#pragma once

#include <array>
#include <string_view>

namespace trent::policy {

// The prefixes of IAM and STS principal ARNs in the aws partition.
inline constexpr std::string_view kIamArnPrefix = "arn:aws:iam::";
inline constexpr std::string_view kStsArnPrefix = "arn:aws:sts::";

// Whether `s` is a 12-digit account id.
bool IsAccountId(std::string_view s);

// "arn:<partition>:<service>:<region>:<account>:<resource>" in its six colon-separated parts
// (the resource may hold colons itself); false for fewer parts. The first part is not checked.
using ArnParts = std::array<std::string_view, 6>;
bool SplitArn(std::string_view arn, ArnParts& out);

inline constexpr size_t kArnPartition = 1, kArnService = 2, kArnRegion = 3, kArnAccount = 4,
                        kArnResource = 5;

// For an assumed-role session ARN, arn:<partition>:sts::<account>:assumed-role/<role>/<session>,
// sets the role's account and name and returns true; false for any other ARN.
bool SessionRole(std::string_view arn, std::string_view& account, std::string_view& role);

}  // namespace trent::policy
