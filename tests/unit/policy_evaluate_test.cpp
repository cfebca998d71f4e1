#include <catch.hpp>

#include <atomic>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <vector>

#include "policy/policy.h"

// Every allocation of this test program is counted, so that a test can check that Evaluate
// allocates nothing (it walks the parsed document; it does not parse).
namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// Every replaceable form but the aligned ones, so that all of them pair malloc with free.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void* operator new(std::size_t size) {
  if (void* p = operator new(size, std::nothrow)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

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

namespace {

struct ConditionCase {
  const char* condition;  // the Condition element
  Values values;          // the request's condition values
  bool holds;             // whether the statement applies
};

}  // namespace

TEST_CASE("conditions: a table of tricky cases") {
  const std::vector<ConditionCase> cases = {
      // String operators; values are case-sensitive unless the operator says otherwise.
      {R"({"StringEquals":{"kms:EncryptionContext:Purpose":"Test"}})", {{"kms:EncryptionContext:Purpose", {"Test"}}}, true},
      {R"({"StringEquals":{"kms:EncryptionContext:Purpose":"Test"}})", {{"kms:EncryptionContext:Purpose", {"test"}}}, false},
      {R"({"StringEquals":{"kms:EncryptionContext:Purpose":"Test"}})", {}, false},
      // Key names are case-insensitive (ConditionValues::Get compares them so).
      {R"({"StringEquals":{"KMS:ENCRYPTIONCONTEXT:PURPOSE":"Test"}})", {{"kms:EncryptionContext:Purpose", {"Test"}}}, true},
      {R"({"StringEqualsIgnoreCase":{"k":"TEST"}})", {{"k", {"tEsT"}}}, true},
      {R"({"StringNotEqualsIgnoreCase":{"k":"TEST"}})", {{"k", {"tEsT"}}}, false},
      {R"({"StringNotEquals":{"k":"a"}})", {{"k", {"b"}}}, true},
      {R"({"StringNotEquals":{"k":"a"}})", {{"k", {"a"}}}, false},
      {R"({"StringNotEquals":{"k":["a","b"]}})", {{"k", {"b"}}}, false},  // matches none of them
      // A negated operator holds when the key is absent (IAM: "the condition is true").
      {R"({"StringNotEquals":{"k":"a"}})", {}, true},
      {R"({"StringNotLike":{"k":"a*"}})", {}, true},
      {R"({"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/x"}})", {}, true},
      {R"({"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}})", {}, true},
      {R"({"NumericNotEquals":{"k":"1"}})", {}, true},
      // Wildcards: `*` any run, `?` one character; only in the Like operators.
      {R"({"StringLike":{"kms:RequestAlias":"alias/*Test*"}})", {{"kms:RequestAlias", {"alias/MyTest1"}}}, true},
      {R"({"StringLike":{"kms:RequestAlias":"alias/?est"}})", {{"kms:RequestAlias", {"alias/Test"}}}, true},
      {R"({"StringLike":{"kms:RequestAlias":"alias/?est"}})", {{"kms:RequestAlias", {"alias/Tests"}}}, false},
      {R"({"StringLike":{"k":"A*"}})", {{"k", {"abc"}}}, false},
      {R"({"StringEquals":{"k":"a*"}})", {{"k", {"abc"}}}, false},
      {R"({"StringEquals":{"k":"a*"}})", {{"k", {"a*"}}}, true},
      {R"({"StringNotLike":{"k":"a*"}})", {{"k", {"abc"}}}, false},
      // Several policy values: OR. Several keys or operators: AND.
      {R"({"StringEquals":{"k":["x","y"]}})", {{"k", {"y"}}}, true},
      {R"({"StringEquals":{"a":"1","b":"2"}})", {{"a", {"1"}}, {"b", {"2"}}}, true},
      {R"({"StringEquals":{"a":"1","b":"2"}})", {{"a", {"1"}}, {"b", {"3"}}}, false},
      {R"({"StringEquals":{"a":"1"},"StringLike":{"b":"x*"}})", {{"a", {"1"}}, {"b", {"y"}}}, false},
      // IfExists: an absent key passes; a present one is tested.
      {R"({"StringEqualsIfExists":{"k":"a"}})", {}, true},
      {R"({"StringEqualsIfExists":{"k":"a"}})", {{"k", {"b"}}}, false},
      {R"({"StringNotEqualsIfExists":{"k":"a"}})", {{"k", {"a"}}}, false},
      {R"({"NumericLessThanIfExists":{"k":"5"}})", {}, true},
      {R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})", {}, true},
      {R"({"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"}})", {{"aws:MultiFactorAuthPresent", {"false"}}}, false},
      // Set qualifiers on multi-valued keys, with absent and empty sets.
      {R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"b"}})", {{"kms:EncryptionContextKeys", {"a", "b"}}}, true},
      {R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"c"}})", {{"kms:EncryptionContextKeys", {"a", "b"}}}, false},
      {R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"c"}})", {}, false},
      {R"({"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"c"}})", {{"kms:EncryptionContextKeys", {}}}, false},
      {R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["a","b"]}})", {{"kms:EncryptionContextKeys", {"a"}}}, true},
      {R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"a"}})", {{"kms:EncryptionContextKeys", {"a", "b"}}}, false},
      {R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"a"}})", {}, true},
      {R"({"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":"a"}})", {{"kms:EncryptionContextKeys", {}}}, true},
      {R"({"ForAllValues:StringLike":{"kms:ResourceAliases":"alias/*Test*"}})", {{"kms:ResourceAliases", {"alias/Test1", "alias/aTest"}}}, true},
      {R"({"ForAllValues:StringLike":{"kms:ResourceAliases":"alias/*Test*"}})", {{"kms:ResourceAliases", {"alias/Test1", "alias/prod"}}}, false},
      // Negated operators with qualifiers: the negation applies to each request value.
      {R"({"ForAnyValue:StringNotEquals":{"k":"b"}})", {{"k", {"a", "b"}}}, true},
      {R"({"ForAnyValue:StringNotEquals":{"k":"b"}})", {{"k", {"b"}}}, false},
      {R"({"ForAllValues:StringNotEquals":{"k":"b"}})", {{"k", {"a", "c"}}}, true},
      {R"({"ForAllValues:StringNotEquals":{"k":"b"}})", {{"k", {"a", "b"}}}, false},
      // A multi-valued key without a qualifier: some value matches (negated: none does).
      {R"({"StringEquals":{"k":"b"}})", {{"k", {"a", "b"}}}, true},
      {R"({"StringNotEquals":{"k":"b"}})", {{"k", {"a", "b"}}}, false},
      {R"({"StringEquals":{"k":"b"}})", {{"k", {}}}, false},
      {R"({"StringNotEquals":{"k":"b"}})", {{"k", {}}}, true},
      // Numeric.
      {R"({"NumericLessThan":{"k":"10"}})", {{"k", {"9"}}}, true},
      {R"({"NumericLessThan":{"k":"10"}})", {{"k", {"10"}}}, false},
      {R"({"NumericLessThanEquals":{"k":10}})", {{"k", {"10.0"}}}, true},
      {R"({"NumericGreaterThan":{"k":"-1.5"}})", {{"k", {"-1"}}}, true},
      {R"({"NumericGreaterThanEquals":{"k":"3"}})", {{"k", {"2"}}}, false},
      {R"({"NumericEquals":{"k":"3"}})", {{"k", {"3.0"}}}, true},
      {R"({"NumericEquals":{"k":"3"}})", {{"k", {"three"}}}, false},
      {R"({"NumericNotEquals":{"k":"3"}})", {{"k", {"4"}}}, true},
      // Dates: ISO 8601 (any offset) and epoch seconds compare as instants.
      {R"({"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})", {{"aws:CurrentTime", {"2026-12-03T20:00:00Z"}}}, true},
      {R"({"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})", {{"aws:CurrentTime", {"2026-12-03T20:00:00Z"}}}, false},
      {R"({"DateEquals":{"aws:CurrentTime":"2024-01-01T02:00:00+02:00"}})", {{"aws:CurrentTime", {"2024-01-01T00:00:00Z"}}}, true},
      {R"({"DateEquals":{"aws:CurrentTime":"1704067200"}})", {{"aws:CurrentTime", {"2024-01-01T00:00:00.000Z"}}}, true},
      {R"({"DateLessThanEquals":{"aws:CurrentTime":"2024-01-01"}})", {{"aws:CurrentTime", {"2024-01-01T00:00:00Z"}}}, true},
      {R"({"DateGreaterThanEquals":{"aws:CurrentTime":"2024-01-01"}})", {{"aws:CurrentTime", {"2023-12-31T23:59:59Z"}}}, false},
      {R"({"DateNotEquals":{"aws:CurrentTime":"2024-01-01"}})", {{"aws:CurrentTime", {"2024-01-02"}}}, true},
      {R"({"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})", {{"aws:CurrentTime", {"soon"}}}, false},
      // Bool and Null.
      {R"({"Bool":{"kms:GrantIsForAWSResource":"true"}})", {{"kms:GrantIsForAWSResource", {"true"}}}, true},
      {R"({"Bool":{"kms:GrantIsForAWSResource":true}})", {{"kms:GrantIsForAWSResource", {"false"}}}, false},
      {R"({"Bool":{"kms:GrantIsForAWSResource":"true"}})", {}, false},
      {R"({"Null":{"kms:EncryptionContext:a":"true"}})", {}, true},
      {R"({"Null":{"kms:EncryptionContext:a":"true"}})", {{"kms:EncryptionContext:a", {"x"}}}, false},
      {R"({"Null":{"kms:EncryptionContext:a":"false"}})", {}, false},
      {R"({"Null":{"kms:EncryptionContext:a":"false"}})", {{"kms:EncryptionContext:a", {"x"}}}, true},
      // ARNs: each of the six parts matched on its own, wildcards allowed in both operators.
      {R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}})", {{"aws:PrincipalArn", {"arn:aws:iam::111122223333:role/Admin"}}}, true},
      {R"({"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}})", {{"aws:PrincipalArn", {"arn:aws:iam::444455556666:role/Admin"}}}, true},
      {R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:*"}})", {{"aws:PrincipalArn", {"arn:aws:sts::111122223333:assumed-role/A/s"}}}, false},
      {R"({"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/*"}})", {{"aws:PrincipalArn", {"not an arn"}}}, false},
      {R"({"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/Admin"}})", {{"aws:PrincipalArn", {"arn:aws:iam::111122223333:role/Other"}}}, true},
      // IP addresses and CIDR ranges, IPv4 and IPv6.
      {R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"203.0.113.7"}}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"203.0.114.7"}}}, false},
      {R"({"IpAddress":{"aws:SourceIp":"203.0.113.7"}})", {{"aws:SourceIp", {"203.0.113.7"}}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"10.1.0.0/15"}})", {{"aws:SourceIp", {"10.0.255.1"}}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", {{"aws:SourceIp", {"2001:db8:1::5"}}}, true},
      {R"({"IpAddress":{"aws:SourceIp":"2001:db8::/32"}})", {{"aws:SourceIp", {"2001:db9::5"}}}, false},
      {R"({"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}})", {{"aws:SourceIp", {"::1"}}}, false},
      {R"({"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}})", {{"aws:SourceIp", {"198.51.100.1"}}}, true},
      // BinaryEquals compares the base64 text.
      {R"({"BinaryEquals":{"k":"QmluYXJ5"}})", {{"k", {"QmluYXJ5"}}}, true},
      {R"({"BinaryEquals":{"k":"QmluYXJ5"}})", {{"k", {"QmluYXJ6"}}}, false},
  };
  for (const ConditionCase& c : cases) {
    const std::string policy = Statement(
        "Allow", std::string(R"("Principal":"*","Action":"kms:*","Resource":"*","Condition":)") +
                     c.condition);
    INFO(c.condition);
    CHECK(Eval(policy, "kms:Encrypt", {}, c.values) ==
          (c.holds ? Verdict::kAllow : Verdict::kNotApplicable));
  }
}

TEST_CASE("a Deny with a condition denies only when the condition holds") {
  const std::string policy = R"({"Statement":[
    {"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"},
    {"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*",
     "Condition":{"StringNotEquals":{"kms:EncryptionContext:Team":"blue"}}}]})";
  CHECK(Eval(policy, "kms:Decrypt", {}, {{"kms:EncryptionContext:Team", {"blue"}}}) ==
        Verdict::kAllowAccount);
  CHECK(Eval(policy, "kms:Decrypt", {}, {{"kms:EncryptionContext:Team", {"red"}}}) ==
        Verdict::kDeny);
  CHECK(Eval(policy, "kms:Decrypt") == Verdict::kDeny);  // no context at all
  CHECK(Eval(policy, "kms:Encrypt") == Verdict::kAllowAccount);
}

TEST_CASE("NotPrincipal: a Deny for everyone but the listed principals") {
  // IAM: a request is made as the account, (for a session) the role, and the caller itself;
  // all of them must be listed for the caller to be left out.
  const std::string policy = R"({"Statement":[
    {"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},
    {"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice",
      "arn:aws:iam::111122223333:role/Admin","111122223333"]},
     "Action":"kms:ScheduleKeyDeletion","Resource":"*"}]})";
  CHECK(Eval(policy, "kms:ScheduleKeyDeletion") == Verdict::kAllow);
  CHECK(Eval(policy, "kms:ScheduleKeyDeletion",
             {"arn:aws:iam::111122223333:user/bob", "111122223333"}) == Verdict::kDeny);
  CHECK(Eval(policy, "kms:ScheduleKeyDeletion",
             {"arn:aws:sts::111122223333:assumed-role/Admin/s", "111122223333"}) ==
        Verdict::kAllow);
  CHECK(Eval(policy, "kms:ScheduleKeyDeletion",
             {"arn:aws:iam::111122223333:root", "111122223333"}) == Verdict::kAllow);
  CHECK(Eval(policy, "kms:ScheduleKeyDeletion",
             {"arn:aws:iam::444455556666:user/alice", "444455556666"}) == Verdict::kDeny);
  CHECK(Eval(policy, "kms:Encrypt", {"arn:aws:iam::111122223333:user/bob", "111122223333"}) ==
        Verdict::kAllow);
  // The user without its account is not enough: the account is not left out.
  const std::string user_only = R"({"Statement":[
    {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
     "Action":"kms:*","Resource":"*"}]})";
  CHECK(Eval(user_only, "kms:Encrypt") == Verdict::kDeny);
}

TEST_CASE("Evaluate neither parses nor allocates, and asks for condition values only when needed") {
  const long before_parse = g_allocations.load();
  auto doc = MustParse(kDefaultKeyPolicy);
  REQUIRE(g_allocations.load() > before_parse);  // the counter counts
  Values values;
  const std::string principal = "arn:aws:iam::111122223333:user/alice";
  trent::policy::Request request{"kms:Encrypt", principal, "111122223333", kKeyArn, &values};
  const long before = g_allocations.load();
  Verdict verdict = Verdict::kNotApplicable;
  for (int i = 0; i < 1000; ++i) verdict = trent::policy::Evaluate(*doc, request);
  const long allocations = g_allocations.load() - before;
  CHECK(verdict == Verdict::kAllowAccount);
  CHECK(allocations == 0);
  CHECK(values.gets == 0);

  // A condition is asked for its key only when principal, action and resource match.
  auto conditional = MustParse(Statement(
      "Allow",
      R"("Principal":{"AWS":"arn:aws:iam::111122223333:user/carol"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}})"));
  CHECK(trent::policy::Evaluate(*conditional, request) == Verdict::kNotApplicable);
  CHECK(values.gets == 0);
  const std::string carol = "arn:aws:iam::111122223333:user/carol";
  Values caller_account{{"kms:CallerAccount", {"111122223333"}}};
  trent::policy::Request decrypt{"kms:Decrypt", carol, "111122223333", kKeyArn, &caller_account};
  CHECK(trent::policy::Evaluate(*conditional, decrypt) == Verdict::kAllow);
  CHECK(caller_account.gets == 1);
}
