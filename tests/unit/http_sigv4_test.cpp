#include <catch.hpp>

#include "server/http/sigv4.h"
#include "server/model/codec.h"

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

// ---- Signature verification (--auth strict) ----

#include <ctime>

#include "server/auth/identity_store.h"

namespace {

using trent::ErrorCode;
using trent::http::CanonicalRequest;
using trent::http::CredentialScope;
using trent::http::DeriveSigningKey;
using trent::http::SignatureHex;
using trent::http::SignedRequest;
using trent::http::StringToSign;
using trent::http::VerifyRequest;

std::string Hex(const trent::http::SigningKey& key) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : key) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

int64_t Millis(int year, int month, int day, int hour, int minute, int second) {
  std::tm utc{};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  return static_cast<int64_t>(timegm(&utc)) * 1000;
}

// A request botocore 1.x signed (SigV4Auth, service kms, region us-west-2) with alice's keys at
// 2026-12-03T20:26:23Z; the values are botocore's, not trent's.
const std::string kBody = R"({"KeyId":"alias/x","Plaintext":"aGk="})";
const std::string kAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKIAALICE0000000000/20261203/us-west-2/kms/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=04340a04d9151627ecb13c116632b3fb8ac191d3b66e73404a08af020c6e8f39";
const int64_t kSignedAt = Millis(2026, 12, 3, 20, 26, 23);

std::string Headers(const std::string& authorization, const std::string& extra = "") {
  return "host:localhost:4599\ncontent-type:application/x-amz-json-1.1\n"
         "x-amz-target:TrentService.Encrypt\nx-amz-date:20261203T202623Z\n" + extra +
         (authorization.empty() ? "" : "authorization:" + authorization + "\n") +
         "content-length:" + std::to_string(kBody.size()) + "\n";
}

trent::auth::IdentityStore Store(const std::string& secret = "alice-secret",
                                 const std::string& token = "") {
  trent::auth::Identity alice;
  alice.access_key_id = "AKIAALICE0000000000";
  alice.secret = secret;
  alice.session_token = token;
  alice.account = "111111111111";
  alice.arn = "arn:aws:iam::111111111111:user/alice";
  std::vector<trent::auth::Identity> ids;
  ids.push_back(alice);
  auto store = trent::auth::IdentityStore::Create(std::move(ids));
  REQUIRE(store.ok());
  return std::move(store).value();
}

trent::Status Verify(const std::string& headers, const trent::auth::IdentityStore& store,
                     int64_t now = kSignedAt, const std::string& body = kBody,
                     const std::string& target = "/") {
  const SignedRequest request{"POST", target, headers, body};
  auto verified = VerifyRequest(request, store, now);
  return verified.ok() ? trent::Status::Ok() : verified.status();
}

}  // namespace

TEST_CASE("sigv4: the signing key of AWS's documented example") {
  // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
  const CredentialScope scope{"AKIDEXAMPLE", "20120215", "us-east-1", "iam"};
  CHECK(Hex(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", scope)) ==
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("sigv4: AWS's documented GET ListUsers example, step by step") {
  // AWS's SigV4 example request to IAM at 20150830T123600Z.
  const std::string headers =
      "host:iam.amazonaws.com\n"
      "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
      "x-amz-date:20150830T123600Z\n";
  const SignedRequest request{"GET", "/?Version=2010-05-08&Action=ListUsers", headers, ""};
  auto canonical = CanonicalRequest(
      request, "content-type;host;x-amz-date",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  REQUIRE(canonical.ok());
  CHECK(*canonical ==
        "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
        "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
        "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
        "content-type;host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const CredentialScope scope{"AKIDEXAMPLE", "20150830", "us-east-1", "iam"};
  const std::string to_sign = StringToSign("20150830T123600Z", scope, *canonical);
  CHECK(to_sign ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  const auto key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", scope);
  CHECK(Hex(key) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  CHECK(SignatureHex(key, to_sign) ==
        "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST_CASE("sigv4: canonical URI, query and header values") {
  const std::string headers = "host:h\nx-a:  a   b  \nx-b:1\nx-b:2\n";
  const SignedRequest request{"POST", "/a/./b/../c//d%20e/?b=2&a=%41&a=1&c&sp=x y", headers, ""};
  auto canonical = CanonicalRequest(request, "host;x-a;x-b", "H");
  REQUIRE(canonical.ok());
  CHECK(*canonical ==
        "POST\n/a/c/d%2520e/\na=1&a=A&b=2&c=&sp=x%20y\nhost:h\nx-a:a b\nx-b:1,2\n\n"
        "host;x-a;x-b\nH");
  auto empty = CanonicalRequest({"POST", "", "host:h\n", ""}, "host", "H");
  REQUIRE(empty.ok());
  CHECK(empty->starts_with("POST\n/\n\n"));
}

TEST_CASE("sigv4: a signed header the request lacks") {
  auto canonical = CanonicalRequest({"POST", "/", "host:h\n", ""}, "host;x-amz-date", "H");
  REQUIRE_FALSE(canonical.ok());
  CHECK(canonical.status().code() == ErrorCode::kIncompleteSignature);
  CHECK(canonical.status().message() ==
        "'x-amz-date' is named as a SignedHeader, but it does not exist in the HTTP request.");
}

TEST_CASE("sigv4: botocore's signature verifies, and gives alice") {
  const auto store = Store();
  const std::string headers = Headers(kAuthorization);
  const SignedRequest request{"POST", "/", headers, kBody};
  auto verified = VerifyRequest(request, store, kSignedAt);
  REQUIRE(verified.ok());
  CHECK((*verified)->arn == "arn:aws:iam::111111111111:user/alice");
  // Within 15 minutes either way.
  CHECK(Verify(Headers(kAuthorization), store, kSignedAt + 15 * 60 * 1000).ok());
  CHECK(Verify(Headers(kAuthorization), store, kSignedAt - 15 * 60 * 1000).ok());
}

TEST_CASE("sigv4: what fails, with AWS's errors") {
  const auto store = Store();
  const std::string mismatch =
      "The request signature we calculated does not match the signature you provided. Check "
      "your AWS Secret Access Key and signing method. Consult the service documentation for "
      "details.";

  SECTION("another secret") {
    auto st = Verify(Headers(kAuthorization), Store("other-secret"));
    CHECK(st.code() == ErrorCode::kRequestSignature);
    CHECK(st.message() == mismatch);
  }
  SECTION("another body") {
    auto st = Verify(Headers(kAuthorization), store, kSignedAt, R"({"KeyId":"alias/y"})");
    CHECK(st.code() == ErrorCode::kRequestSignature);
    CHECK(st.message() == mismatch);
  }
  SECTION("a payload hash header that is not the body's") {
    auto st = Verify(Headers(kAuthorization, "x-amz-content-sha256:" + std::string(64, '0') + "\n"),
                     store);
    CHECK(st.code() == ErrorCode::kRequestSignature);
  }
  SECTION("another path") {
    CHECK(Verify(Headers(kAuthorization), store, kSignedAt, kBody, "/x").code() ==
          ErrorCode::kRequestSignature);
  }
  SECTION("a signature one digit off") {
    std::string header = kAuthorization;
    header.back() = header.back() == '9' ? '8' : '9';
    CHECK(Verify(Headers(header), store).code() == ErrorCode::kRequestSignature);
  }
  SECTION("stale and future dates") {
    auto stale = Verify(Headers(kAuthorization), store, kSignedAt + 15 * 60 * 1000 + 1000);
    CHECK(stale.code() == ErrorCode::kRequestSignature);
    CHECK(stale.message() ==
          "Signature expired: 20261203T202623Z is now earlier than 20261203T202624Z "
          "(20261203T204124Z - 15 min.)");
    auto future = Verify(Headers(kAuthorization), store, kSignedAt - 15 * 60 * 1000 - 1000);
    CHECK(future.code() == ErrorCode::kRequestSignature);
    CHECK(future.message() ==
          "Signature not yet current: 20261203T202623Z is still later than 20261203T202622Z "
          "(20261203T201122Z + 15 min.)");
  }
  SECTION("an unknown access key") {
    std::string header = kAuthorization;
    header.replace(header.find("AKIAALICE"), 9, "AKIAMALLO");
    auto st = Verify(Headers(header), store);
    CHECK(st.code() == ErrorCode::kUnrecognizedClient);
    CHECK(st.message() == "The security token included in the request is invalid.");
  }
  SECTION("session tokens") {
    const auto session = Store("alice-secret", "token-1");
    // The token is not among the signed headers here, so only the token decides.
    CHECK(Verify(Headers(kAuthorization, "x-amz-security-token:token-1\n"), session).ok());
    auto wrong = Verify(Headers(kAuthorization, "x-amz-security-token:token-2\n"), session);
    CHECK(wrong.code() == ErrorCode::kUnrecognizedClient);
    CHECK(wrong.message() == "The security token included in the request is invalid.");
    CHECK(Verify(Headers(kAuthorization), session).code() == ErrorCode::kUnrecognizedClient);
    CHECK(Verify(Headers(kAuthorization, "x-amz-security-token:token-1\n"), store).code() ==
          ErrorCode::kUnrecognizedClient);
  }
  SECTION("no Authorization header") {
    auto st = Verify(Headers(""), store);
    CHECK(st.code() == ErrorCode::kMissingAuthenticationToken);
    CHECK(st.message() == "Request is missing Authentication Token");
    CHECK(trent::model::HttpStatusOf(st.code()) == 403);
  }
  SECTION("malformed Authorization headers") {
    auto bearer = Verify(Headers("Bearer abc"), store);
    CHECK(bearer.code() == ErrorCode::kIncompleteSignature);
    CHECK(bearer.message() ==
          "Authorization header requires 'Credential' parameter. Authorization header requires "
          "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
          "Authorization=Bearer abc");
    const std::string spaced =
        "AWS4-HMAC-SHA256 Credential= AKIAALICE0000000000/20261203/us-west-2/kms/aws4_request, "
        "SignedHeaders=host, Signature=00";
    auto split = Verify(Headers(spaced), store);
    CHECK(split.code() == ErrorCode::kIncompleteSignature);
    CHECK(split.message() ==
          "'AKIAALICE0000000000/20261203/us-west-2/kms/aws4_request' not a valid key=value pair "
          "(missing equal-sign) in Authorization header: '" + spaced + "'.");
    auto short_credential =
        Verify(Headers("AWS4-HMAC-SHA256 Credential=AKIAALICE0000000000, SignedHeaders=host, "
                       "Signature=00"), store);
    CHECK(short_credential.code() == ErrorCode::kIncompleteSignature);
    CHECK(short_credential.message() ==
          "Credential must have exactly 5 slash-delimited elements, e.g. "
          "keyid/date/region/service/term, got 'AKIAALICE0000000000'");
    // No X-Amz-Date: AWS names it in the same message.
    const SignedRequest no_date{"POST", "/",
                                "host:h\nauthorization:AWS4-HMAC-SHA256 Signature=00\n", kBody};
    auto undated = VerifyRequest(no_date, store, kSignedAt);
    REQUIRE_FALSE(undated.ok());
    CHECK(undated.status().message() ==
          "Authorization header requires 'Credential' parameter. Authorization header requires "
          "'SignedHeaders' parameter. Authorization header requires existence of either a "
          "'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Signature=00");
  }
  SECTION("a scope for another service, date or terminator") {
    const std::string header =
        "AWS4-HMAC-SHA256 Credential=AKIAALICE0000000000/20261202/us-west-2/s3/aws5_request, "
        "SignedHeaders=host, Signature=00";
    auto st = Verify(Headers(header), store);
    CHECK(st.code() == ErrorCode::kRequestSignature);
    CHECK(st.message() ==
          "Credential should be scoped to correct service: 'kms'. Credential should be scoped "
          "with a valid terminator: 'aws4_request', not 'aws5_request'. Date in Credential scope "
          "does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261202' != "
          "'20261203', from '20261203T202623Z'.");
  }
}
