// ParseKeyRef on arbitrary text for a fixed caller. Whatever it answers must be consistent:
// a key id or key ARN names a key id (a uuid or a multi-Region mrk- id), an alias name or alias
// ARN begins with alias/, an ARN's fields are the text's own, and what it parsed, written back
// as an ARN, parses the same again.
#include <cstdint>
#include <string>
#include <string_view>

#include "server/kms/identifiers.h"
#include "tests/fuzz/fuzz_check.h"

using namespace trent::kms;

namespace {

constexpr std::string_view kRegion = "us-east-1";
constexpr std::string_view kAccount = "111122223333";

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// `text` is arn:<partition>:kms:<region>:<account>:<resource> for this ref's region and account,
// with a partition free of ':'.
bool IsArnOf(std::string_view text, const KeyRef& ref, std::string_view resource) {
  std::string tail = ":kms:" + ref.region + ":" + ref.account + ":" + std::string(resource);
  if (!StartsWith(text, "arn:") || !EndsWith(text, tail)) return false;
  std::string_view partition = text.substr(4, text.size() - 4 - tail.size());
  return partition.find(':') == std::string_view::npos && !ref.region.empty() &&
         !ref.account.empty() && ref.region.find(':') == std::string::npos &&
         ref.account.find(':') == std::string::npos;
}

bool SameRef(const KeyRef& a, const KeyRef& b) {
  return a.kind == b.kind && a.region == b.region && a.account == b.account &&
         a.key_id == b.key_id && a.alias == b.alias;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  KeyRef ref = ParseKeyRef(text, kRegion, kAccount);
  bool plain = ref.kind == KeyRef::Kind::kKeyId || ref.kind == KeyRef::Kind::kAliasName;
  if (plain) FUZZ_CHECK(ref.region == kRegion && ref.account == kAccount);
  // Text that is plainly a key id or an alias name is never refused or taken for something else.
  if (IsKeyId(text)) FUZZ_CHECK(ref.kind == KeyRef::Kind::kKeyId);
  if (StartsWith(text, "alias/")) FUZZ_CHECK(ref.kind == KeyRef::Kind::kAliasName);

  switch (ref.kind) {
    case KeyRef::Kind::kKeyId:
      FUZZ_CHECK(ref.key_id == text && IsKeyId(ref.key_id) && ref.alias.empty());
      break;
    case KeyRef::Kind::kKeyArn:
      FUZZ_CHECK(IsKeyId(ref.key_id) && ref.alias.empty());
      FUZZ_CHECK(IsArnOf(text, ref, "key/" + ref.key_id));
      FUZZ_CHECK(SameRef(ParseKeyRef(KeyArn(ref.region, ref.account, ref.key_id), kRegion, kAccount), ref));
      break;
    case KeyRef::Kind::kAliasName:
      FUZZ_CHECK(ref.alias == text && StartsWith(ref.alias, "alias/") && ref.key_id.empty());
      break;
    case KeyRef::Kind::kAliasArn:
      FUZZ_CHECK(StartsWith(ref.alias, "alias/") && ref.alias.size() > 6 && ref.key_id.empty());
      FUZZ_CHECK(IsArnOf(text, ref, ref.alias));
      FUZZ_CHECK(SameRef(ParseKeyRef(AliasArn(ref.region, ref.account, ref.alias), kRegion, kAccount), ref));
      break;
    case KeyRef::Kind::kInvalid:
      FUZZ_CHECK(ref.key_id.empty() && ref.alias.empty());
      break;
  }
  return 0;
}
