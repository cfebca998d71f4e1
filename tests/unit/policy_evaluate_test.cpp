#include <catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace {

using trent::policy::Kind;
using trent::policy::Verdict;

constexpr const char* kKeyArn =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
constexpr const char* kDefaultKeyPolicy =
    R"({"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User )"
    R"(Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},)"
    R"("Action":"kms:*","Resource":"*"}]})";

// Condition values from a map; keys compared case-insensitively, as ConditionValues requires.
class Values final : public trent::policy::ConditionValues {
 public:
  Values() = default;
  Values(std::initializer_list<std::pair<const std::string, std::vector<std::string>>> v)
      : values_(v) {}
  std::optional<std::vector<std::string>> Get(std::string_view key) const override {
    ++gets;
    for (const auto& [k, v] : values_) {
      if (k.size() == key.size() &&
          std::equal(k.begin(), k.end(), key.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return v;
      }
    }
    return std::nullopt;
  }
  mutable int gets = 0;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

trent::policy::DocumentPtr MustParse(const std::string& text, Kind kind = Kind::kKeyPolicy) {
  auto doc = trent::policy::Parse(text, kind);
  INFO(text << " -> " << doc.status().message());
  REQUIRE(doc.ok());
  return *doc;
}

struct Caller {
  std::string arn = "arn:aws:iam::111122223333:user/alice";
  std::string account = "111122223333";
};

Verdict Eval(const std::string& policy, std::string_view action, const Caller& caller = {},
             const Values& values = {}, std::string_view resource = kKeyArn,
             Kind kind = Kind::kKeyPolicy) {
  auto doc = MustParse(policy, kind);
  trent::policy::Request request{action, caller.arn, caller.account, resource, &values};
  return trent::policy::Evaluate(*doc, request);
}

// One statement with the given principal, action, resource and condition members.
std::string Statement(std::string_view effect, std::string_view rest) {
  return std::string(R"({"Version":"2012-10-17","Statement":[{"Effect":")") +
         std::string(effect) + "\"," + std::string(rest) + "}]}";
}

}  // namespace

TEST_CASE("the default key policy delegates the whole account to its identity policies") {
  CHECK(Eval(kDefaultKeyPolicy, "kms:Encrypt") == Verdict::kAllowAccount);
  CHECK(Eval(kDefaultKeyPolicy, "kms:PutKeyPolicy") == Verdict::kAllowAccount);
  // The account's root is matched as the account too: Decide lets the root through.
  CHECK(Eval(kDefaultKeyPolicy, "kms:Encrypt",
             {"arn:aws:iam::111122223333:root", "111122223333"}) == Verdict::kAllowAccount);
  // Another account's caller is not covered.
  CHECK(Eval(kDefaultKeyPolicy, "kms:Encrypt",
             {"arn:aws:iam::444455556666:user/bob", "444455556666"}) ==
        Verdict::kNotApplicable);
  // Nor an action of another service.
  CHECK(Eval(kDefaultKeyPolicy, "s3:GetObject") == Verdict::kNotApplicable);
}

TEST_CASE("a statement naming the caller allows it; one naming its account allows the account") {
  const std::string alice = Statement(
      "Allow", R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*")");
  CHECK(Eval(alice, "kms:Encrypt") == Verdict::kAllow);
  CHECK(Eval(alice, "kms:Encrypt", {"arn:aws:iam::111122223333:user/bob", "111122223333"}) ==
        Verdict::kNotApplicable);
  const std::string account_id = Statement(
      "Allow", R"("Principal":{"AWS":"111122223333"},"Action":"kms:Encrypt","Resource":"*")");
  CHECK(Eval(account_id, "kms:Encrypt") == Verdict::kAllowAccount);
  const std::string anyone =
      Statement("Allow", R"("Principal":"*","Action":"kms:Encrypt","Resource":"*")");
  CHECK(Eval(anyone, "kms:Encrypt", {"arn:aws:iam::444455556666:user/bob", "444455556666"}) ==
        Verdict::kAllow);
  const std::string aws_any =
      Statement("Allow", R"("Principal":{"AWS":"*"},"Action":"kms:Encrypt","Resource":"*")");
  CHECK(Eval(aws_any, "kms:Encrypt") == Verdict::kAllow);
  // Both: the caller itself wins over its account.
  const std::string both = R"({"Statement":[
    {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
    {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice"]},
     "Action":"kms:Decrypt","Resource":"*"}]})";
  CHECK(Eval(both, "kms:Decrypt") == Verdict::kAllow);
  CHECK(Eval(both, "kms:Encrypt") == Verdict::kAllowAccount);
}

TEST_CASE("an explicit deny wins over every allow") {
  const std::string policy = R"({"Statement":[
    {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:*","Resource":"*"},
    {"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"kms:ScheduleKeyDeletion","Resource":"*"}]})";
  CHECK(Eval(policy, "kms:Encrypt") == Verdict::kAllow);
  CHECK(Eval(policy, "kms:ScheduleKeyDeletion") == Verdict::kDeny);
  // A Deny naming an account denies every principal of it.
  CHECK(Eval(policy, "kms:ScheduleKeyDeletion",
             {"arn:aws:iam::111122223333:role/admin", "111122223333"}) == Verdict::kDeny);
}

TEST_CASE("a role named in a policy covers the sessions of that role") {
  // IAM: a role ARN as principal applies to every session of the role; the session ARN omits
  // the role's path.
  const std::string policy = Statement(
      "Allow",
      R"("Principal":{"AWS":"arn:aws:iam::111122223333:role/ops/Admin"},"Action":"kms:Encrypt","Resource":"*")");
  CHECK(Eval(policy, "kms:Encrypt",
             {"arn:aws:sts::111122223333:assumed-role/Admin/session-1", "111122223333"}) ==
        Verdict::kAllow);
  CHECK(Eval(policy, "kms:Encrypt",
             {"arn:aws:sts::111122223333:assumed-role/Admin2/session-1", "111122223333"}) ==
        Verdict::kNotApplicable);
  CHECK(Eval(policy, "kms:Encrypt",
             {"arn:aws:sts::444455556666:assumed-role/Admin/session-1", "444455556666"}) ==
        Verdict::kNotApplicable);
  // A session named exactly.
  const std::string session = Statement(
      "Allow",
      R"("Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/Admin/s1"},"Action":"kms:Encrypt","Resource":"*")");
  CHECK(Eval(session, "kms:Encrypt",
             {"arn:aws:sts::111122223333:assumed-role/Admin/s1", "111122223333"}) ==
        Verdict::kAllow);
  CHECK(Eval(session, "kms:Encrypt",
             {"arn:aws:sts::111122223333:assumed-role/Admin/s2", "111122223333"}) ==
        Verdict::kNotApplicable);
}

TEST_CASE("actions match case-insensitively, with wildcards, and NotAction inverts") {
  const std::string policy = Statement(
      "Allow", R"("Principal":"*","Action":["KMS:encrypt","kms:Generate*","kms:?e*crypt"],"Resource":"*")");
  CHECK(Eval(policy, "kms:Encrypt") == Verdict::kAllow);
  CHECK(Eval(policy, "kms:GenerateDataKeyWithoutPlaintext") == Verdict::kAllow);
  CHECK(Eval(policy, "kms:ReEncrypt") == Verdict::kAllow);
  CHECK(Eval(policy, "kms:Decrypt") == Verdict::kAllow);  // "?e*crypt": D-e-crypt
  CHECK(Eval(policy, "kms:Sign") == Verdict::kNotApplicable);
  CHECK(Eval(policy, "kms:ReEncryptFrom") == Verdict::kNotApplicable);
  const std::string not_action =
      Statement("Deny", R"("Principal":"*","NotAction":["kms:Decrypt","kms:Describe*"],"Resource":"*")");
  CHECK(Eval(not_action, "kms:Encrypt") == Verdict::kDeny);
  CHECK(Eval(not_action, "kms:decrypt") == Verdict::kNotApplicable);
  CHECK(Eval(not_action, "kms:DescribeKey") == Verdict::kNotApplicable);
  const std::string star = Statement("Allow", R"("Principal":"*","Action":"*","Resource":"*")");
  CHECK(Eval(star, "kms:Encrypt") == Verdict::kAllow);
}

TEST_CASE("resources match exactly or by wildcard, case-sensitively, and NotResource inverts") {
  const std::string policy = Statement(
      "Allow", R"("Principal":"*","Action":"kms:*","Resource":"arn:aws:kms:us-east-1:111122223333:key/*")");
  CHECK(Eval(policy, "kms:Encrypt") == Verdict::kAllow);
  CHECK(Eval(policy, "kms:Encrypt", {}, {}, "arn:aws:kms:us-west-2:111122223333:key/x") ==
        Verdict::kNotApplicable);
  CHECK(Eval(policy, "kms:Encrypt", {}, {}, "arn:aws:kms:us-east-1:111122223333:KEY/x") ==
        Verdict::kNotApplicable);
  CHECK(Eval(policy, "kms:ListKeys", {}, {}, "*") == Verdict::kNotApplicable);
  const std::string exact =
      Statement("Allow", std::string(R"("Principal":"*","Action":"kms:*","Resource":")") +
                             kKeyArn + "\"");
  CHECK(Eval(exact, "kms:Encrypt") == Verdict::kAllow);
  const std::string not_resource = Statement(
      "Deny", R"("Principal":"*","Action":"kms:*","NotResource":"arn:aws:kms:*:111122223333:key/*")");
  CHECK(Eval(not_resource, "kms:Encrypt") == Verdict::kNotApplicable);
  CHECK(Eval(not_resource, "kms:Encrypt", {}, {}, "arn:aws:kms:us-east-1:444455556666:key/x") ==
        Verdict::kDeny);
}

TEST_CASE("identity policies apply to their holder") {
  const std::string policy = R"({"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]})";
  CHECK(Eval(policy, "kms:Encrypt", {}, {}, kKeyArn, Kind::kIdentityPolicy) == Verdict::kAllow);
  CHECK(Eval(policy, "kms:Decrypt", {}, {}, kKeyArn, Kind::kIdentityPolicy) ==
        Verdict::kNotApplicable);
}
