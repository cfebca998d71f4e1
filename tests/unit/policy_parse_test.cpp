#include <catch.hpp>

#include <string>

#include "policy/policy.h"

namespace {

using trent::policy::Kind;

// "ok", or the reason of the MalformedPolicyDocumentException.
std::string ParseResult(const std::string& text, Kind kind = Kind::kKeyPolicy) {
  auto doc = trent::policy::Parse(text, kind);
  if (doc.ok()) return "ok";
  CHECK(doc.status().code() == trent::ErrorCode::kMalformedPolicyDocument);
  return doc.status().message();
}

std::string WithStatement(const std::string& statement) {
  return R"({"Version":"2012-10-17","Statement":[)" + statement + "]}";
}

constexpr const char* kInvalidPrincipals =
    "Policy contains a statement with one or more invalid principals.";

}  // namespace

TEST_CASE("the default key policy parses") {
  CHECK(ParseResult(
            R"({"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]})") ==
        "ok");
}

TEST_CASE("principals: what AWS KMS accepts") {
  auto with = [](const std::string& principal) {
    return ParseResult(WithStatement(R"({"Effect":"Allow","Principal":)" + principal +
                                     R"(,"Action":"kms:*","Resource":"*"})"));
  };
  CHECK(with(R"("*")") == "ok");
  CHECK(with(R"({"AWS":"*"})") == "ok");
  CHECK(with(R"({"AWS":"111122223333"})") == "ok");
  CHECK(with(R"({"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/a/b"]})") == "ok");
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:role/r"})") == "ok");
  CHECK(with(R"({"AWS":"arn:aws:sts::111122223333:assumed-role/r/s"})") == "ok");
  CHECK(with(R"({"Service":"logs.amazonaws.com"})") == "ok");
  CHECK(with(R"("111122223333")") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"11112222333"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:iam::*:root"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"arn:aws:iam::111122223333:user/*"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":"AIDACKCEVSQ6C2EXAMPLE"})") == kInvalidPrincipals);
  CHECK(with(R"({"AWS":[]})") == kInvalidPrincipals);
  CHECK(with(R"({"CanonicalUser":"abc"})") == kInvalidPrincipals);
  CHECK(with(R"({})") == kInvalidPrincipals);
}

TEST_CASE("a key policy statement needs a principal; an identity policy statement has none") {
  const std::string no_principal =
      WithStatement(R"({"Effect":"Allow","Action":"kms:*","Resource":"*"})");
  CHECK(ParseResult(no_principal) != "ok");
  CHECK(ParseResult(no_principal, Kind::kIdentityPolicy) == "ok");
  const std::string with_principal =
      WithStatement(R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})");
  CHECK(ParseResult(with_principal, Kind::kIdentityPolicy) != "ok");
  CHECK(ParseResult(WithStatement(R"({"Effect":"Allow","Action":"kms:*"})"),
                    Kind::kIdentityPolicy) != "ok");
}

TEST_CASE("structure: JSON object, Version, Statement, Effect") {
  CHECK(ParseResult("") != "ok");
  CHECK(ParseResult("[]") != "ok");
  CHECK(ParseResult("{") != "ok");
  CHECK(ParseResult(R"({"Version":"2012-10-17"})") != "ok");
  const std::string statement = R"({"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"})";
  CHECK(ParseResult(R"({"Statement":)" + statement + "}") == "ok");
  CHECK(ParseResult(R"({"Version":"2008-10-17","Statement":[)" + statement + "]}") == "ok");
  CHECK(ParseResult(R"({"Version":"2012-10-18","Statement":[)" + statement + "]}") != "ok");
  CHECK(ParseResult(WithStatement(R"({"Effect":"allow","Principal":"*","Action":"kms:*","Resource":"*"})")) != "ok");
  CHECK(ParseResult(WithStatement(R"({"Principal":"*","Action":"kms:*","Resource":"*"})")) != "ok");
}
