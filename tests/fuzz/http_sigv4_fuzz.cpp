// ParseCredentialScope on arbitrary Authorization headers: a scope it returns consists of views
// into the header, laid out as <access key>/<date>/<region>/<service>/aws4_request after
// "Credential=", each field well-formed; the same scope written as a canonical header parses back
// to the same fields.
// VerifyRequest (--auth strict) on the same bytes as a request's Authorization header: it
// answers one of the authentication errors, never accepts a signature it did not compute; and on
// a request built from the bytes (target, a header value, body) and signed with
// CanonicalRequest/StringToSign/DeriveSigningKey, it accepts the signature and refuses it once
// the body changes.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/auth/identity_store.h"
#include "server/http/sigv4.h"
#include "tests/fuzz/fuzz_check.h"

using trent::http::CredentialScope;
using trent::http::ParseCredentialScope;

namespace {

using trent::ErrorCode;

constexpr char kKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kAmzDate[] = "20260101T000000Z";
constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z

const trent::auth::IdentityStore& Store() {
  static const trent::auth::IdentityStore store = [] {
    trent::auth::Identity id;
    id.access_key_id = kKeyId;
    id.secret = kSecret;
    id.account = "111111111111";
    id.arn = "arn:aws:iam::111111111111:user/fuzz";
    std::vector<trent::auth::Identity> ids{id};
    return trent::auth::IdentityStore::Create(std::move(ids)).value();
  }();
  return store;
}

bool IsAuthError(ErrorCode code) {
  return code == ErrorCode::kMissingAuthenticationToken || code == ErrorCode::kIncompleteSignature ||
         code == ErrorCode::kUnrecognizedClient || code == ErrorCode::kRequestSignature;
}

// What a header value or a request target may hold after the parser: no CR, LF or NUL (the
// target also no space).
std::string Printable(std::string_view s, bool allow_space) {
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) > ' ' && c != 127) {
      out += c;
    } else if (allow_space && (c == ' ' || c == '\t')) {
      out += c;
    }
  }
  return out;
}

// The bytes as the Authorization header of an otherwise plain request.
void VerifyArbitraryAuthorization(std::string_view header) {
  const std::string headers = "host:localhost\nx-amz-date:" + std::string(kAmzDate) +
                              "\nauthorization:" + Printable(header, true) + "\n";
  const trent::http::SignedRequest request{"POST", "/", headers, "{}"};
  auto verified = trent::http::VerifyRequest(request, Store(), kNow);
  if (verified.ok()) {
    // Only a signature computed with the secret verifies; the fuzzer cannot have found one.
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(IsAuthError(verified.status().code()));
  FUZZ_CHECK(!verified.status().message().empty());
}

// A request made of the bytes, signed as a client would: it verifies, and not once changed.
void VerifySignedRoundTrip(std::string_view data) {
  const size_t third = data.size() / 3;
  const std::string target = "/" + Printable(data.substr(0, third), false);
  const std::string value = Printable(data.substr(third, third), true);
  const std::string body(data.substr(2 * third));
  const std::string headers = "host:localhost\nx-amz-date:" + std::string(kAmzDate) +
                              "\nx-fuzz:" + value + "\n";
  const std::string_view signed_headers = "host;x-amz-date;x-fuzz";
  const trent::http::SignedRequest unsigned_request{"POST", target, headers, body};
  auto canonical = trent::http::CanonicalRequest(unsigned_request, signed_headers,
                                                 trent::http::Sha256Hex(body));
  FUZZ_CHECK(canonical.ok());
  const CredentialScope scope{kKeyId, "20260101", "us-east-1", "kms"};
  const std::string signature = trent::http::SignatureHex(
      trent::http::DeriveSigningKey(kSecret, scope),
      trent::http::StringToSign(kAmzDate, scope, *canonical));
  const std::string signed_headers_text =
      headers + "authorization:AWS4-HMAC-SHA256 Credential=" + kKeyId +
      "/20260101/us-east-1/kms/aws4_request, SignedHeaders=" + std::string(signed_headers) +
      ", Signature=" + signature + "\n";
  const trent::http::SignedRequest request{"POST", target, signed_headers_text, body};
  auto verified = trent::http::VerifyRequest(request, Store(), kNow);
  FUZZ_CHECK(verified.ok());
  FUZZ_CHECK((*verified)->access_key_id == kKeyId);
  const std::string changed = body + "x";
  const trent::http::SignedRequest tampered{"POST", target, signed_headers_text, changed};
  auto refused = trent::http::VerifyRequest(tampered, Store(), kNow);
  FUZZ_CHECK(!refused.ok() && refused.status().code() == ErrorCode::kRequestSignature);
}

bool Within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// `next` starts right after `previous` and one '/'.
bool FollowsAfterSlash(std::string_view previous, std::string_view next) {
  return next.data() == previous.data() + previous.size() + 1 && previous.data()[previous.size()] == '/';
}

bool NoneOf(std::string_view s, std::string_view chars) { return s.find_first_of(chars) == std::string_view::npos; }

void CheckWellFormed(const CredentialScope& scope) {
  FUZZ_CHECK(!scope.access_key_id.empty() && NoneOf(scope.access_key_id, " \t/"));
  FUZZ_CHECK(scope.date.size() == 8 && std::all_of(scope.date.begin(), scope.date.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; }));
  FUZZ_CHECK(!scope.region.empty() && std::all_of(scope.region.begin(), scope.region.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  }));
  FUZZ_CHECK(!scope.service.empty() && NoneOf(scope.service, " \t/"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  VerifyArbitraryAuthorization(header);
  VerifySignedRoundTrip(header);
  auto scope = ParseCredentialScope(header);
  if (!scope) return 0;

  CheckWellFormed(*scope);
  for (std::string_view field : {scope->access_key_id, scope->date, scope->region, scope->service}) {
    FUZZ_CHECK(Within(field, header));
  }
  FUZZ_CHECK(FollowsAfterSlash(scope->access_key_id, scope->date));
  FUZZ_CHECK(FollowsAfterSlash(scope->date, scope->region));
  FUZZ_CHECK(FollowsAfterSlash(scope->region, scope->service));
  std::string_view after = header.substr(scope->service.data() + scope->service.size() - header.data());
  FUZZ_CHECK(after.substr(0, 13) == "/aws4_request");
  std::string_view before = header.substr(0, scope->access_key_id.data() - header.data());
  FUZZ_CHECK(before.size() >= 11 && before.substr(before.size() - 11) == "Credential=");
  FUZZ_CHECK(header.find("AWS4-HMAC-SHA256") < before.size());

  std::string canonical = "AWS4-HMAC-SHA256 Credential=" + std::string(scope->access_key_id) + "/" +
                          std::string(scope->date) + "/" + std::string(scope->region) + "/" +
                          std::string(scope->service) + "/aws4_request, SignedHeaders=host, Signature=00";
  auto again = ParseCredentialScope(canonical);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->access_key_id == scope->access_key_id && again->date == scope->date &&
             again->region == scope->region && again->service == scope->service);
  return 0;
}
