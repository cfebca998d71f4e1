#include "server/kms/identifiers.h"

#include <cctype>

#include "common/random.h"
#include "common/uuid.h"

namespace trent::kms {

bool IsKeyUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsKeyId(std::string_view s) {
  constexpr std::string_view kMultiRegionPrefix = "mrk-";
  if (s.substr(0, kMultiRegionPrefix.size()) != kMultiRegionPrefix) return IsKeyUuid(s);
  std::string_view hex = s.substr(kMultiRegionPrefix.size());
  if (hex.size() != 32) return false;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Result<std::string> NewUuid() {
  uint8_t random[16];
  if (!FillRandom(random, sizeof random)) return InternalError("no randomness for a key id");
  std::string out;
  FormatUuidV4(random, out);
  return out;
}

namespace {

std::string Arn(std::string_view region, std::string_view account, std::string_view resource) {
  std::string arn = "arn:aws:kms:";
  arn.append(region).append(":").append(account).append(":").append(resource);
  return arn;
}

}  // namespace

std::string KeyArn(std::string_view region, std::string_view account, std::string_view key_id) {
  return Arn(region, account, std::string("key/").append(key_id));
}

Status KeyDoesNotExist(std::string_view key_arn) {
  return NotFoundError("Key '" + std::string(key_arn) + "' does not exist");
}

std::string AliasArn(std::string_view region, std::string_view account, std::string_view alias) {
  return Arn(region, account, alias);
}

KeyRef ParseKeyRef(std::string_view text, std::string_view region, std::string_view account) {
  KeyRef ref;
  ref.region = region;
  ref.account = account;
  if (text.substr(0, 6) == "alias/") {
    ref.kind = KeyRef::Kind::kAliasName;
    ref.alias = text;
    return ref;
  }
  if (text.substr(0, 4) != "arn:") {
    if (IsKeyId(text)) {
      ref.kind = KeyRef::Kind::kKeyId;
      ref.key_id = text;
    }
    return ref;
  }
  // arn:<partition>:kms:<region>:<account>:<resource>
  std::string_view parts[6];
  std::string_view rest = text;
  for (int i = 0; i < 5; ++i) {
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos) return ref;
    parts[i] = rest.substr(0, colon);
    rest.remove_prefix(colon + 1);
  }
  parts[5] = rest;
  if (parts[2] != "kms" || parts[3].empty() || parts[4].empty()) return ref;
  ref.region = parts[3];
  ref.account = parts[4];
  if (parts[5].substr(0, 4) == "key/" && IsKeyId(parts[5].substr(4))) {
    ref.kind = KeyRef::Kind::kKeyArn;
    ref.key_id = parts[5].substr(4);
  } else if (parts[5].substr(0, 6) == "alias/" && parts[5].size() > 6) {
    ref.kind = KeyRef::Kind::kAliasArn;
    ref.alias = parts[5];
  }
  return ref;
}

}  // namespace trent::kms
