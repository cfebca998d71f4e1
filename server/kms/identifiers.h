// Key identifiers as KMS accepts them: key id, key ARN, alias name, alias ARN.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace trent::kms {

// The length of every key id: a uuid's text, or "mrk-" and 32 hex digits.
inline constexpr size_t kKeyIdSize = 36;

// A lowercase or uppercase 8-4-4-4-12 hex uuid.
bool IsKeyUuid(std::string_view s);
// A key id as KMS accepts one: a uuid, or a multi-Region key id ("mrk-" and 32 hex digits).
bool IsKeyId(std::string_view s);
// A new random (v4) uuid in lowercase text; kInternal when no randomness is available.
Result<std::string> NewUuid();

std::string KeyArn(std::string_view region, std::string_view account, std::string_view key_id);
// NotFoundException "Key '<arn>' does not exist", as AWS answers for a key it cannot find.
Status KeyDoesNotExist(std::string_view key_arn);
std::string AliasArn(std::string_view region, std::string_view account, std::string_view alias);

struct KeyRef {
  enum class Kind { kKeyId, kKeyArn, kAliasName, kAliasArn, kInvalid };
  Kind kind = Kind::kInvalid;
  std::string region;    // of the ARN, else the caller's
  std::string account;   // of the ARN, else the caller's
  std::string key_id;    // kKeyId, kKeyArn
  std::string alias;     // "alias/..." for kAliasName, kAliasArn
};

// Classifies `text` for a caller in (region, account).
KeyRef ParseKeyRef(std::string_view text, std::string_view region, std::string_view account);

}  // namespace trent::kms
