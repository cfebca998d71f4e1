// The policy parser (policy/policy.h): arbitrary bytes parsed as a key policy and as an
// identity policy. A refusal is
// MalformedPolicyDocumentException with a reason; a document that parses is evaluated against
// fixed requests (several callers, actions, resources, and condition values for common keys):
// Evaluate must give a Verdict, the same one each time.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using trent::policy::Verdict;

// Values for a few keys, compared case-insensitively as ConditionValues requires; none for the
// rest.
class FixedValues final : public trent::policy::ConditionValues {
 public:
  std::optional<std::vector<std::string>> Get(std::string_view key) const override {
    auto is = [&](std::string_view name) {
      if (name.size() != key.size()) return false;
      for (size_t i = 0; i < name.size(); ++i) {
        char a = name[i], b = key[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
      }
      return true;
    };
    if (is("kms:CallerAccount") || is("aws:PrincipalAccount")) {
      return std::vector<std::string>{"111122223333"};
    }
    if (is("aws:PrincipalArn")) {
      return std::vector<std::string>{"arn:aws:iam::111122223333:user/alice"};
    }
    if (is("aws:SourceIp")) return std::vector<std::string>{"203.0.113.7"};
    if (is("aws:CurrentTime")) return std::vector<std::string>{"2026-12-03T20:00:00Z"};
    if (is("kms:EncryptionContextKeys")) return std::vector<std::string>{"Purpose", "Team"};
    if (is("kms:EncryptionContext:Purpose")) return std::vector<std::string>{"Test"};
    if (is("kms:GrantIsForAWSResource")) return std::vector<std::string>{"true"};
    if (is("kms:ResourceAliases")) return std::vector<std::string>{};
    return std::nullopt;
  }
};

struct Caller {
  std::string_view arn, account;
};

constexpr Caller kCallers[] = {
    {"arn:aws:iam::111122223333:user/alice", "111122223333"},
    {"arn:aws:iam::111122223333:root", "111122223333"},
    {"arn:aws:sts::111122223333:assumed-role/Admin/session", "111122223333"},
    {"arn:aws:iam::444455556666:user/bob", "444455556666"},
};
constexpr std::string_view kActions[] = {"kms:Encrypt", "kms:PutKeyPolicy", "kms:CreateKey"};
constexpr std::string_view kResources[] = {
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "*"};

bool IsVerdict(Verdict v) {
  return v == Verdict::kNotApplicable || v == Verdict::kAllow || v == Verdict::kAllowAccount ||
         v == Verdict::kDeny;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const FixedValues values;
  using trent::policy::Kind;
  for (Kind kind : {Kind::kKeyPolicy, Kind::kIdentityPolicy}) {
    auto document = trent::policy::Parse(text, kind);
    if (!document.ok()) {
      // InvalidArnException only for a key policy's principal (identity policies have none).
      const trent::ErrorCode code = document.status().code();
      FUZZ_CHECK(code == trent::ErrorCode::kMalformedPolicyDocument ||
                 (code == trent::ErrorCode::kInvalidArn &&
                  kind == Kind::kKeyPolicy));
      FUZZ_CHECK(!document.status().message().empty());
      continue;
    }
    FUZZ_CHECK(*document != nullptr);
    for (const Caller& caller : kCallers) {
      for (std::string_view action : kActions) {
        for (std::string_view resource : kResources) {
          const trent::policy::Request request{action, caller.arn, caller.account, resource,
                                               &values};
          const Verdict verdict = trent::policy::Evaluate(**document, request);
          FUZZ_CHECK(IsVerdict(verdict));
          FUZZ_CHECK(trent::policy::Evaluate(**document, request) == verdict);
        }
      }
    }
  }
  return 0;
}
