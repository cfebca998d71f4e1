// AWS Signature Version 4 of an Authorization header: its credential scope (which region and
// access key the caller meant), and, in strict mode (--auth strict), the verification of the
// whole signature as AWS defines it: canonical request, string to sign, signing key.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/auth/identity_store.h"

namespace trent::http {

// Views into the header the scope was parsed from.
struct CredentialScope {
  std::string_view access_key_id;
  std::string_view date;     // yyyymmdd
  std::string_view region;   // e.g. us-west-2
  std::string_view service;  // e.g. kms
};

// Parses `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-west-2/kms/aws4_request,
// SignedHeaders=..., Signature=...`; nullopt for another scheme or a malformed scope.
std::optional<CredentialScope> ParseCredentialScope(std::string_view authorization);

// The three parameters of an AWS4-HMAC-SHA256 Authorization header, as views into it.
struct AuthorizationParams {
  std::string_view credential;      // "AKID/20260101/us-west-2/kms/aws4_request"
  std::string_view signed_headers;  // "content-type;host;x-amz-date"
  std::string_view signature;       // 64 hex digits
};

// IncompleteSignatureException with AWS's message when a parameter is missing or is not
// key=value; `has_date` tells whether the request has an X-Amz-Date header (AWS names its
// absence in the same message).
Result<AuthorizationParams> ParseAuthorization(std::string_view authorization, bool has_date);

// A request as it arrived, for its canonical form.
struct SignedRequest {
  std::string_view method;  // "POST"
  std::string_view target;  // the request line's target: path and query, e.g. "/?a=b"
  // The header fields as "name:value\n" lines, names lower-cased, values as the parser gave them
  // (without surrounding whitespace), repeated names in arrival order (RequestReader::headers()).
  std::string_view headers;
  std::string_view body;
};

// The value of the header `lower_name` in `headers` ("name:value\n" lines); nullopt when absent.
// A repeated header gives its first value.
std::optional<std::string_view> FindHeader(std::string_view headers, std::string_view lower_name);

// AWS's canonical request: method, canonical URI (dot segments and repeated slashes removed,
// each segment URI-encoded as the SDKs do for services other than S3), canonical query string
// (parameters sorted, URI-encoded), the SignedHeaders' canonical headers (lower-cased names,
// trimmed values with inner runs of spaces collapsed, repeated headers joined by commas), the
// SignedHeaders list, and the payload hash. IncompleteSignatureException when a signed header is
// absent from the request.
Result<std::string> CanonicalRequest(const SignedRequest& request, std::string_view signed_headers,
                                     std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<amz date>\n<date>/<region>/<service>/aws4_request\n<hex SHA-256 of the
// canonical request>".
std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request);

using SigningKey = std::array<uint8_t, 32>;

// HMAC-SHA256 chain: "AWS4" + secret, then the date, region, service and "aws4_request".
SigningKey DeriveSigningKey(std::string_view secret, const CredentialScope& scope);

// Hex of HMAC-SHA256(key, string_to_sign).
std::string SignatureHex(const SigningKey& key, std::string_view string_to_sign);

// Hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// How far X-Amz-Date may be from the server's clock.
constexpr int64_t kMaxClockSkewMillis = 15 * 60 * 1000;

// Verifies a request's SigV4 signature against `identities` at `now_millis` and returns the
// caller. Each failure is AWS's error with AWS's message:
//   MissingAuthenticationTokenException  no Authorization header
//   IncompleteSignatureException         a malformed Authorization header, or a signed header
//                                        the request lacks
//   UnrecognizedClientException          an unknown access key, or a session token that is not
//                                        the identity's (X-Amz-Security-Token)
//   InvalidSignatureException            a wrong scope (service other than kms, date other than
//                                        X-Amz-Date's), X-Amz-Date more than 15 minutes from
//                                        the clock, or a signature that does not match
Result<const auth::Identity*> VerifyRequest(const SignedRequest& request,
                                            const auth::IdentityStore& identities,
                                            int64_t now_millis);

}  // namespace trent::http
