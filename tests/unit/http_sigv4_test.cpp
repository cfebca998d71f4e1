#include <catch.hpp>

#include "server/http/sigv4.h"

using trent::http::ParseCredentialScope;

TEST_CASE("sigv4: the credential scope of a boto3-style header") {
  auto scope = ParseCredentialScope(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-west-2/kms/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123abcd");
  REQUIRE(scope);
  CHECK(scope->access_key_id == "AKIDEXAMPLE");
  CHECK(scope->date == "20260101");
  CHECK(scope->region == "us-west-2");
  CHECK(scope->service == "kms");
}

TEST_CASE("sigv4: parameters without spaces, in another order, around extra whitespace") {
  auto scope = ParseCredentialScope(
      "  AWS4-HMAC-SHA256   SignedHeaders=host,Signature=ab,"
      "Credential=test/20251231/eu-central-1/kms/aws4_request  ");
  REQUIRE(scope);
  CHECK(scope->access_key_id == "test");
  CHECK(scope->region == "eu-central-1");
}

TEST_CASE("sigv4: anything else is not a scope") {
  const char* bad[] = {
      "",
      "Bearer token",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256Credential=A/20260101/us-east-1/kms/aws4_request",
      "AWS4-HMAC-SHA512 Credential=A/20260101/us-east-1/kms/aws4_request",
      "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab",
      "AWS4-HMAC-SHA256 Credential=",
      "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms",
      "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws4_other",
      "AWS4-HMAC-SHA256 Credential=/20260101/us-east-1/kms/aws4_request",
      "AWS4-HMAC-SHA256 Credential=A/2026011/us-east-1/kms/aws4_request",
      "AWS4-HMAC-SHA256 Credential=A/2026010x/us-east-1/kms/aws4_request",
      "AWS4-HMAC-SHA256 Credential=A/20260101//kms/aws4_request",
      "AWS4-HMAC-SHA256 Credential=A/20260101/US_EAST_1/kms/aws4_request",
      "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1//aws4_request",
      // SigV4a has no region in the scope.
      "AWS4-ECDSA-P256-SHA256 Credential=A/20260101/kms/aws4_request, Signature=ab",
  };
  for (const char* header : bad) {
    INFO(header);
    CHECK_FALSE(ParseCredentialScope(header));
  }
}

TEST_CASE("sigv4: the scope's views point into the header") {
  std::string header = "AWS4-HMAC-SHA256 Credential=K/20260101/ap-south-2/kms/aws4_request";
  auto scope = ParseCredentialScope(header);
  REQUIRE(scope);
  CHECK(scope->region.data() >= header.data());
  CHECK(scope->region.data() < header.data() + header.size());
}
