// KMS aliases: a friendly name for a key in one account and region, and AWS's rules for them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/kms/key.h"

namespace trent::kms {

struct Alias {
  std::string account;
  std::string region;
  std::string name;            // "alias/..."
  std::string arn;
  std::string target_key_id;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

using AliasPtr = std::shared_ptr<const Alias>;

// AWS's quota "Aliases per KMS key" (customer-created aliases; adjustable in AWS). AWS no
// longer has a quota of aliases per account and region.
constexpr size_t kMaxAliasesPerKey = 50;

// Every alias name starts with this.
constexpr std::string_view kAliasPrefix = "alias/";
// Names under this prefix are AWS's, for AWS managed keys.
constexpr std::string_view kAwsAliasPrefix = "alias/aws/";

bool IsAwsAliasName(std::string_view name);

// The rules CreateAlias applies to a new alias name beyond the model's pattern: the "alias/"
// prefix (ValidationException), the reserved "alias/aws/" (NotAuthorizedException), no ':'.
Status CheckNewAliasName(std::string_view name);
// The rules UpdateAlias and DeleteAlias apply to the name of an existing alias.
Status CheckAliasNameToUpdate(std::string_view name);
Status CheckAliasNameToDelete(std::string_view name);

// NotFoundException "Alias <alias arn> is not found.", as AWS answers for an unknown alias.
Status AliasNotFound(std::string_view alias_arn);
// AlreadyExistsException for CreateAlias of a name that is taken.
Status AliasAlreadyExists(std::string_view alias_arn);
// LimitExceededException for an alias beyond kMaxAliasesPerKey on one key.
Status AliasesPerKeyExceeded();
// The key an alias is pointed at must be usable as a target (KMSInvalidStateException while it
// is pending deletion) and, when the alias moves, like the key it pointed to.
Status RequireAliasTarget(const Key& key);
Status RequireSameKind(const Key& from, const Key& to, std::string_view alias_arn);

}  // namespace trent::kms
