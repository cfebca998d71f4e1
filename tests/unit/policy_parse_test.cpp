#include <catch.hpp>

#include <string>

#include "policy/policy.h"

namespace {

using trent::policy::Kind;

// "ok", the reason of the MalformedPolicyDocumentException, or "InvalidArnException: " and
// its message.
std::string ParseResult(const std::string& text, Kind kind = Kind::kKeyPolicy) {
  auto doc = trent::policy::Parse(text, kind);
  if (doc.ok()) return "ok";
  if (doc.status().code() == trent::ErrorCode::kInvalidArn) {
    return "InvalidArnException: " + doc.status().message();
  }
  CHECK(doc.status().code() == trent::ErrorCode::kMalformedPolicyDocument);
  return doc.status().message();
}

std::string WithStatement(const std::string& statement) {
  return R"({"Version":"2012-10-17","Statement":[)" + statement + "]}";
}

// A key policy statement allowing everyone kms:* but for `member` (a `"Name":value` pair).
std::string KeyStatementWith(const std::string& member) {
  return WithStatement(R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*",)" +
                       member + "}");
}

constexpr const char* kInvalidPrincipals =
    "Policy contains a statement with one or more invalid principals.";
constexpr const char* kNoPrincipal = "Policy contains a statement with no principal.";
constexpr const char* kInvalidArn =
    "InvalidArnException: An ARN in the specified key policy is invalid.";

}  // namespace

TEST_CASE("the default key policy parses") {
  CHECK(ParseResult(
            R"({"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]})") ==
        "ok");
}

TEST_CASE("principals: what AWS KMS accepts and the reasons it gives") {
  auto with = [](const std::string& principal) {
    return ParseResult(WithStatement(R"({"Effect":"Allow","Principal":)" + principal +
                                     R"(,"Action":"kms:*","Resource":"*"})"));
  };
  CHECK(with(R"("*")") == "ok");
  CHECK(with(R"({"AWS":"*"})") == "ok");
  CHECK(with(R"({"AWS":"111122223333"})") == "ok");
  CHECK(with(R"({"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/a/b"]})") == "ok");
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:role/r"})") == "ok");
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:role/path/r"})") == "ok");
  CHECK(with(R"({"AWS":"arn:aws:sts::111122223333:assumed-role/r/s"})") == "ok");
  CHECK(with(R"({"AWS":"arn:aws:sts::111122223333:federated-user/f"})") == "ok");
  CHECK(with(R"({"AWS":"arn:aws-cn:iam::111122223333:root"})") == "ok");
  CHECK(with(R"({"Service":"logs.amazonaws.com"})") == "ok");
  CHECK(with(R"({"Service":["logs.amazonaws.com","ec2.amazonaws.com"],"AWS":"111122223333"})") == "ok");
  CHECK(with(R"({"Federated":"cognito-identity.amazonaws.com"})") == "ok");
  // Only "*" stands alone.
  CHECK(with(R"("111122223333")") == kInvalidPrincipals);
  CHECK(with(R"(["*"])") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"11112222333"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:iam::*:root"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:user/*"})") == kInvalidPrincipals);
  // An IAM ARN that cannot name a principal (a group, no account id) is an invalid ARN to AWS.
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:group/g"})") == kInvalidArn);
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:policy/p"})") == kInvalidArn);
  CHECK(with(R"({"AWS":"arn:aws:iam:::root"})") == kInvalidArn);
  CHECK(with(R"({"AWS":"arn:aws:iam::TapStack92658140:root"})") == kInvalidArn);
  CHECK(with(R"({"AWS":"arn:aws::111122223333:root"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:role/"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:user/"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:iam:us-east-1:111122223333:user/a"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:s3:::bucket"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"AIDACKCEVSQ6C2EXAMPLE"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":["111122223333", 5]})") == kInvalidPrincipals);
  CHECK(with(R"({"CanonicalUser":"abc"})") == kInvalidPrincipals);
  CHECK(with(R"({"Service":"*"})") == kInvalidPrincipals);
  // Naming nobody is a missing principal.
  CHECK(with(R"({"AWS":[]})") == kNoPrincipal);
  CHECK(with(R"({})") == kNoPrincipal);
  CHECK(ParseResult(WithStatement(R"({"Effect":"Allow","Action":"kms:*","Resource":"*"})")) ==
        kNoPrincipal);
  CHECK(ParseResult(WithStatement(
            R"({"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"})")) ==
        "ok");
  CHECK(ParseResult(WithStatement(
            R"({"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"})")) !=
        "ok");
}

TEST_CASE("key policy statements need Action and Resource (AWS KMS since August 2025)") {
  CHECK(ParseResult(WithStatement(R"({"Effect":"Allow","Principal":"*","Resource":"*"})")) ==
        "Policy contains a statement with no Action.");
  CHECK(ParseResult(WithStatement(R"({"Effect":"Allow","Principal":"*","Action":"kms:*"})")) ==
        "Policy contains a statement with no Resource.");
  CHECK(ParseResult(WithStatement(
            R"({"Effect":"Allow","Principal":"*","NotAction":"kms:Decrypt","NotResource":"arn:aws:kms:*:*:key/x"})")) ==
        "ok");
}

TEST_CASE("identity policies follow IAM's grammar") {
  const std::string ok = WithStatement(R"({"Effect":"Allow","Action":"kms:*","Resource":"*"})");
  CHECK(ParseResult(ok, Kind::kIdentityPolicy) == "ok");
  CHECK(ParseResult(WithStatement(R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})"),
                    Kind::kIdentityPolicy) == "Policy document should not specify a principal.");
  CHECK(ParseResult(WithStatement(R"({"Effect":"Allow","Action":"kms:*"})"),
                    Kind::kIdentityPolicy) == "Policy statement must contain resources.");
  CHECK(ParseResult(WithStatement(R"({"Effect":"Allow","Resource":"*"})"),
                    Kind::kIdentityPolicy) == "Policy statement must contain actions.");
}

TEST_CASE("document structure: JSON object, Version, Id, Statement, Sid, Effect") {
  const std::string statement =
      R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})";
  CHECK(ParseResult(R"({"Statement":)" + statement + "}") == "ok");  // object, no Version
  CHECK(ParseResult(R"({"Version":"2008-10-17","Statement":[)" + statement + "]}") == "ok");
  CHECK(ParseResult(R"({"Id":"x","Statement":[)" + statement + "," + statement + "]}") == "ok");
  for (const char* text : {"", "[]", "{", "\"x\"", "null", "{} {}", "not json"}) {
    CHECK(ParseResult(text) == "Policy is not a valid JSON object.");
  }
  CHECK(ParseResult(R"({"Version":"2012-10-17"})") == "Policy contains no Statement.");
  CHECK(ParseResult(R"({"Statement":[]})") == "Policy contains no Statement.");
  CHECK(ParseResult(R"({"Version":"2012-10-18","Statement":[)" + statement + "]}") ==
        "Policy contains an unsupported Version.");
  CHECK(ParseResult(R"({"Version":20121017,"Statement":[)" + statement + "]}") ==
        "Policy contains an unsupported Version.");
  CHECK(ParseResult(R"({"Id":5,"Statement":[)" + statement + "]}") ==
        "Policy contains an element of the wrong type.");
  CHECK(ParseResult(R"({"Statement":[)" + statement + R"(],"Extra":1})") ==
        "Policy contains an unknown element.");
  CHECK(ParseResult(R"({"Statement":["x"]})") == "Policy contains an element of the wrong type.");
  CHECK(ParseResult(KeyStatementWith(R"("Extra":1)")) == "Policy contains an unknown element.");
  CHECK(ParseResult(KeyStatementWith(R"("Sid":5)")) ==
        "Policy contains an element of the wrong type.");
  // Effect: required, exactly Allow or Deny.
  for (const char* effect : {R"("allow")", R"("DENY")", R"(true)", R"("")"}) {
    CHECK(ParseResult(WithStatement(std::string(R"({"Effect":)") + effect +
                                    R"(,"Principal":"*","Action":"kms:*","Resource":"*"})")) ==
          "Policy contains a statement with an invalid Effect.");
  }
  CHECK(ParseResult(WithStatement(R"({"Principal":"*","Action":"kms:*","Resource":"*"})")) ==
        "Policy contains a statement with an invalid Effect.");
  // A key policy may give two statements one Sid, as AWS KMS allows.
  const std::string a = R"({"Sid":"A","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})";
  const std::string b = R"({"Sid":"B","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})";
  CHECK(ParseResult(WithStatement(a + "," + b)) == "ok");
  CHECK(ParseResult(WithStatement(a + "," + b + "," + a)) == "ok");
}

TEST_CASE("identity policies: Sids are unique, as IAM requires (an empty Sid is no Sid)") {
  const std::string a = R"({"Sid":"A","Effect":"Allow","Action":"kms:*","Resource":"*"})";
  const std::string b = R"({"Sid":"B","Effect":"Allow","Action":"kms:*","Resource":"*"})";
  const std::string empty = R"({"Sid":"","Effect":"Allow","Action":"kms:*","Resource":"*"})";
  CHECK(ParseResult(WithStatement(a + "," + b), Kind::kIdentityPolicy) == "ok");
  CHECK(ParseResult(WithStatement(empty + "," + empty), Kind::kIdentityPolicy) == "ok");
  CHECK(ParseResult(WithStatement(a + "," + b + "," + a), Kind::kIdentityPolicy) ==
        "Statement IDs (SID) in a single policy must be unique.");
}

TEST_CASE("actions and resources: strings or lists of strings") {
  CHECK(ParseResult(KeyStatementWith(R"("Sid":"x")")) == "ok");
  auto action = [](const std::string& value) {
    return ParseResult(WithStatement(R"({"Effect":"Allow","Principal":"*","Action":)" + value +
                                     R"(,"Resource":"*"})"));
  };
  CHECK(action(R"("*")") == "ok");
  CHECK(action(R"("kms:*")") == "ok");
  CHECK(action(R"(["KMS:Encrypt","kms:Generate*","kms:?e*crypt"])") == "ok");
  const char* kInvalidAction = "Policy contains a statement with one or more invalid actions.";
  CHECK(action(R"("Encrypt")") == kInvalidAction);
  CHECK(action(R"("kms:")") == kInvalidAction);
  CHECK(action(R"(":Encrypt")") == kInvalidAction);
  CHECK(action(R"("kms:En:crypt")") == kInvalidAction);
  CHECK(action(R"([])") == kInvalidAction);
  CHECK(action(R"(["kms:Encrypt", 1])") == kInvalidAction);
  CHECK(action(R"({"kms":"Encrypt"})") == kInvalidAction);
  auto resource = [](const std::string& value) {
    return ParseResult(WithStatement(R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":)" +
                                     value + "}"));
  };
  CHECK(resource(R"("*")") == "ok");
  CHECK(resource(R"(["arn:aws:kms:*:111122223333:key/*"])") == "ok");
  const char* kInvalidResource = "Policy contains a statement with one or more invalid resources.";
  CHECK(resource(R"("key/1234")") == kInvalidResource);
  CHECK(resource(R"([])") == kInvalidResource);
  CHECK(resource(R"(null)") == kInvalidResource);
}

TEST_CASE("conditions: operators, qualifiers and values") {
  auto condition = [](const std::string& block) {
    return ParseResult(KeyStatementWith(R"("Condition":)" + block));
  };
  for (const char* op :
       {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
        "BinaryEquals", "ForAnyValue:StringEquals", "ForAllValues:StringLike",
        "StringEqualsIfExists", "ForAnyValue:StringNotLikeIfExists"}) {
    INFO(op);
    CHECK(condition(std::string(R"({")") + op + R"(":{"kms:CallerAccount":["a","b"]}})") == "ok");
  }
  CHECK(condition(R"({"NumericLessThan":{"kms:X":[1, "2.5", -3]}})") == "ok");
  CHECK(condition(R"({"DateGreaterThan":{"aws:CurrentTime":["2024-01-31T12:00:00Z","1700000000","2024-01-31","2024-01-31T12:00:00.123+02:00"]}})") == "ok");
  CHECK(condition(R"({"Bool":{"aws:SecureTransport":[true,"false","TRUE"]}})") == "ok");
  CHECK(condition(R"({"Null":{"kms:EncryptionContext:a":"true"}})") == "ok");
  CHECK(condition(R"({"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32","10.0.0.1"]}})") == "ok");
  CHECK(condition(R"({"StringEquals":{"a":"1","b":"2"},"StringLike":{"c":"*"}})") == "ok");
  const char* kUnknownOperator = "Policy contains a statement with an unknown condition operator.";
  for (const char* op : {"StringEqual", "stringequals", "ForAnyValues:StringEquals",
                         "ForAnyValue:", "IfExists", "NullIfExists", "ForAllValues:Null",
                         "StringEqualsIfExistsIfExists"}) {
    INFO(op);
    CHECK(condition(std::string(R"({")") + op + R"(":{"k":"v"}})") == kUnknownOperator);
  }
  const char* kInvalidValue = "Policy contains a statement with an invalid condition value.";
  CHECK(condition(R"({"NumericEquals":{"k":"one"}})") == kInvalidValue);
  CHECK(condition(R"({"NumericEquals":{"k":"1e999"}})") == kInvalidValue);
  CHECK(condition(R"({"DateEquals":{"k":"yesterday"}})") == kInvalidValue);
  CHECK(condition(R"({"DateEquals":{"k":"2024-13-01"}})") == kInvalidValue);
  CHECK(condition(R"({"DateEquals":{"k":"2024-01-01T10:00"}})") == kInvalidValue);
  CHECK(condition(R"({"Bool":{"k":"yes"}})") == kInvalidValue);
  CHECK(condition(R"({"Null":{"k":"maybe"}})") == kInvalidValue);
  CHECK(condition(R"({"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}})") == kInvalidValue);
  CHECK(condition(R"({"IpAddress":{"aws:SourceIp":"host.example"}})") == kInvalidValue);
  const char* kInvalidCondition = "Policy contains a statement with an invalid Condition.";
  CHECK(condition(R"("StringEquals")") == kInvalidCondition);
  CHECK(condition(R"({"StringEquals":"k"})") == kInvalidCondition);
  CHECK(condition(R"({"StringEquals":{"k":{"v":1}}})") == kInvalidCondition);
  CHECK(condition(R"({"StringEquals":{"k":[null]}})") == kInvalidCondition);
  CHECK(condition(R"({"StringEquals":{"k":[]}})") == kInvalidCondition);
  CHECK(condition(R"({"StringEquals":{"":"v"}})") == kInvalidCondition);
}
