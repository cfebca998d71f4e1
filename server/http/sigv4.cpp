#include "server/http/sigv4.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <span>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/bytes.h"

namespace trent::http {
namespace {

constexpr std::string_view kScheme = "AWS4-HMAC-SHA256";
constexpr std::string_view kCredential = "Credential=";
constexpr std::string_view kWhitespace = " \t";

std::string_view Trim(std::string_view s) {
  size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  size_t end = s.find_last_not_of(kWhitespace);
  return s.substr(begin, end - begin + 1);
}

// Removes and returns the part of `s` after its last '/'; nullopt when there is no '/'.
std::optional<std::string_view> PopLast(std::string_view& s) {
  size_t slash = s.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view last = s.substr(slash + 1);
  s = s.substr(0, slash);
  return last;
}

bool IsDate(std::string_view s) {
  return s.size() == 8 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsRegion(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsToken(std::string_view s) {
  return !s.empty() && s.find_first_of(" \t/") == std::string_view::npos;
}

// "AKID/20260101/us-west-2/kms/aws4_request", taken apart from the right. A failed PopLast
// leaves no '/' behind, so every later one fails too and checking `date` covers them all.
std::optional<CredentialScope> ParseCredential(std::string_view credential) {
  auto terminator = PopLast(credential);
  auto service = PopLast(credential);
  auto region = PopLast(credential);
  auto date = PopLast(credential);
  if (!date || *terminator != "aws4_request") return std::nullopt;
  if (!IsToken(credential) || !IsDate(*date) || !IsRegion(*region) || !IsToken(*service)) {
    return std::nullopt;
  }
  return CredentialScope{credential, *date, *region, *service};
}

}  // namespace

std::optional<CredentialScope> ParseCredentialScope(std::string_view authorization) {
  std::string_view rest = Trim(authorization);
  if (rest.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  rest.remove_prefix(kScheme.size());
  if (rest.empty() || kWhitespace.find(rest.front()) == std::string_view::npos) return std::nullopt;
  // The parameters are separated by commas, with or without spaces after them.
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view param = Trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (param.substr(0, kCredential.size()) == kCredential) {
      return ParseCredential(param.substr(kCredential.size()));
    }
  }
  return std::nullopt;
}

}  // namespace trent::http

// Signature verification (--auth strict). AWS's messages are quoted from what AWS answers, as
// its SDKs' users report them (GitHub issues of aws-sdk-js, cloud9-sync, chalice, ...); where a
// message is trent's own, the comment says so.
namespace trent::http {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr std::string_view kService = "kms";
constexpr std::string_view kDateHeader = "x-amz-date";
constexpr std::string_view kTokenHeader = "x-amz-security-token";
constexpr std::string_view kContentHashHeader = "x-amz-content-sha256";
constexpr std::string_view kAuthorizationHeader = "authorization";

constexpr char kSignatureMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
constexpr char kInvalidToken[] = "The security token included in the request is invalid.";
constexpr char kMissingToken[] = "Request is missing Authentication Token";

Status Incomplete(std::string message) {
  return Status(ErrorCode::kIncompleteSignature, std::move(message));
}
Status BadSignature(std::string message) {
  return Status(ErrorCode::kRequestSignature, std::move(message));
}

SigningKey Hmac(std::span<const uint8_t> key, std::string_view data) {
  SigningKey out{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
  return out;
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// RFC 3986 encoding as SigV4 asks: unreserved characters as they are, every other byte %XX.
void UriEncode(std::string_view s, bool keep_slash, std::string& out) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (char c : s) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kDigits[byte >> 4];
      out += kDigits[byte & 15];
    }
  }
}

// %XX decoded; a '%' not followed by two hex digits stays as it is.
std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    uint8_t byte;
    if (s[i] == '%' && HexDecodeInto(s.substr(i + 1, 2), &byte, 1, HexCase::kAny)) {
      out += static_cast<char>(byte);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The path with "." and ".." segments resolved and empty segments dropped, a trailing slash
// kept; then each segment encoded, which encodes the client's own %-escapes a second time, as
// the SDKs sign for every service but S3.
std::string CanonicalUri(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = slash + 1;
  }
  std::string out = "/";
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out += '/';
    UriEncode(segments[i], false, out);
  }
  if (!segments.empty() && path.ends_with('/')) out += '/';
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view param = query.substr(start, amp - start);
    start = amp + 1;
    if (param.empty()) continue;
    const size_t eq = param.find('=');
    std::string name, value;
    UriEncode(UriDecode(param.substr(0, eq)), false, name);
    if (eq != std::string_view::npos) UriEncode(UriDecode(param.substr(eq + 1)), false, value);
    params.emplace_back(std::move(name), std::move(value));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

// A header value as SigV4 canonicalizes it: trimmed, each run of spaces made one space.
void AppendCanonicalValue(std::string_view value, std::string& out) {
  value = Trim(value);
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
}

// yyyymmddThhmmssZ, the form of X-Amz-Date.
std::string AmzDate(int64_t millis) {
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];  // room for any int, though the fields are small
  std::snprintf(text, sizeof text, "%04d%02d%02dT%02d%02d%02dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

// Milliseconds since the epoch of a yyyymmddThhmmssZ date; nullopt when it is not one.
std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int fields[6];
  const size_t at[6] = {0, 4, 6, 9, 11, 13};
  const size_t width[6] = {4, 2, 2, 2, 2, 2};
  for (int i = 0; i < 6; ++i) {
    int v = 0;
    for (size_t j = at[i]; j < at[i] + width[i]; ++j) {
      if (s[j] < '0' || s[j] > '9') return std::nullopt;
      v = v * 10 + (s[j] - '0');
    }
    fields[i] = v;
  }
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 ||
      fields[4] > 59 || fields[5] > 60) {
    return std::nullopt;
  }
  std::tm utc{};
  utc.tm_year = fields[0] - 1900;
  utc.tm_mon = fields[1] - 1;
  utc.tm_mday = fields[2];
  utc.tm_hour = fields[3];
  utc.tm_min = fields[4];
  utc.tm_sec = fields[5];
  return static_cast<int64_t>(timegm(&utc)) * 1000;
}

// The credential's five parts, or AWS's IncompleteSignatureException.
Result<CredentialScope> SplitCredential(std::string_view credential,
                                        std::string_view& terminator) {
  std::string_view parts[5];
  size_t count = 0;
  size_t start = 0;
  for (;;) {
    const size_t slash = credential.find('/', start);
    if (count == 5) {
      count = 6;
      break;
    }
    parts[count++] = credential.substr(start, slash == std::string_view::npos
                                                  ? std::string_view::npos
                                                  : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (count != 5) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got '" + std::string(credential) + "'");
  }
  terminator = parts[4];
  return CredentialScope{parts[0], parts[1], parts[2], parts[3]};
}

// Whether two strings are equal, in time that depends on their lengths only.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<AuthorizationParams> ParseAuthorization(std::string_view authorization, bool has_date) {
  std::string_view rest = Trim(authorization);
  AuthorizationParams params;
  bool credential = false, signed_headers = false, signature = false;
  // Another scheme has none of the parameters: AWS answers that they are missing.
  if (rest.substr(0, kAlgorithm.size()) == kAlgorithm && rest.size() > kAlgorithm.size() &&
      kWhitespace.find(rest[kAlgorithm.size()]) != std::string_view::npos) {
    rest.remove_prefix(kAlgorithm.size());
    // AWS splits the parameters at commas and at whitespace: "Credential= AKID/..." is the
    // parameter "Credential=" and then the invalid "AKID/...".
    while (!rest.empty()) {
      const size_t end = rest.find_first_of(", \t");
      const std::string_view param = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (param.empty()) continue;
      const size_t eq = param.find('=');
      if (eq == std::string_view::npos) {
        return Incomplete("'" + std::string(param) +
                          "' not a valid key=value pair (missing equal-sign) in Authorization "
                          "header: '" + std::string(authorization) + "'.");
      }
      const std::string_view key = param.substr(0, eq);
      const std::string_view value = param.substr(eq + 1);
      if (key == "Credential") {
        params.credential = value;
        credential = true;
      } else if (key == "SignedHeaders") {
        params.signed_headers = value;
        signed_headers = true;
      } else if (key == "Signature") {
        params.signature = value;
        signature = true;
      }
    }
  }
  std::string missing;
  if (!credential) missing += "Authorization header requires 'Credential' parameter. ";
  if (!signature) missing += "Authorization header requires 'Signature' parameter. ";
  if (!signed_headers) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!has_date) {
    missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  if (!missing.empty()) return Incomplete(missing + "Authorization=" + std::string(authorization));
  return params;
}

std::optional<std::string_view> FindHeader(std::string_view headers, std::string_view lower_name) {
  while (!headers.empty()) {
    const size_t end = headers.find('\n');
    const std::string_view line = headers.substr(0, end);
    headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 1);
    if (line.size() > lower_name.size() && line[lower_name.size()] == ':' &&
        line.starts_with(lower_name)) {
      return line.substr(lower_name.size() + 1);
    }
  }
  return std::nullopt;
}

Result<std::string> CanonicalRequest(const SignedRequest& request, std::string_view signed_headers,
                                     std::string_view payload_hash) {
  const size_t question = request.target.find('?');
  std::string out(request.method);
  out += '\n';
  out += CanonicalUri(request.target.substr(0, question));
  out += '\n';
  if (question != std::string_view::npos) out += CanonicalQuery(request.target.substr(question + 1));
  out += '\n';
  size_t start = 0;
  while (start <= signed_headers.size()) {
    size_t semi = signed_headers.find(';', start);
    if (semi == std::string_view::npos) semi = signed_headers.size();
    const std::string_view name = signed_headers.substr(start, semi - start);
    start = semi + 1;
    out += name;
    out += ':';
    bool found = false;
    std::string_view rest = request.headers;
    while (!name.empty()) {
      auto value = FindHeader(rest, name);
      if (!value) break;
      if (found) out += ',';
      found = true;
      AppendCanonicalValue(*value, out);
      rest = rest.substr(value->data() + value->size() - rest.data());
    }
    if (!found) {
      // The names in the request are lower-cased already; AWS quotes the signed name.
      return Incomplete("'" + std::string(name) +
                        "' is named as a SignedHeader, but it does not exist in the HTTP request.");
    }
    out += '\n';
  }
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope.date;
  out += '/';
  out += scope.region;
  out += '/';
  out += scope.service;
  out += '/';
  out += kTerminator;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

SigningKey DeriveSigningKey(std::string_view secret, const CredentialScope& scope) {
  std::string first = "AWS4" + std::string(secret);
  SigningKey key = Hmac(AsBytes(first), scope.date);
  OPENSSL_cleanse(first.data(), first.size());
  key = Hmac(key, scope.region);
  key = Hmac(key, scope.service);
  return Hmac(key, kTerminator);
}

std::string SignatureHex(const SigningKey& key, std::string_view string_to_sign) {
  const SigningKey mac = Hmac(key, string_to_sign);
  return HexEncode(mac.data(), mac.size());
}

std::string Sha256Hex(std::string_view data) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexEncode(digest, sizeof digest);
}

Result<const auth::Identity*> VerifyRequest(const SignedRequest& request,
                                            const auth::IdentityStore& identities,
                                            int64_t now_millis) {
  const auto authorization = FindHeader(request.headers, kAuthorizationHeader);
  if (!authorization) return Status(ErrorCode::kMissingAuthenticationToken, kMissingToken);
  const auto amz_date = FindHeader(request.headers, kDateHeader);
  TRY(AuthorizationParams params, ParseAuthorization(*authorization, amz_date.has_value()));
  std::string_view terminator;
  TRY(CredentialScope scope, SplitCredential(params.credential, terminator));

  // trent's own message: AWS's for a malformed X-Amz-Date was not found.
  const auto signed_at = ParseAmzDate(*amz_date);
  if (!signed_at) {
    return Incomplete("X-Amz-Date must be in ISO-8601 basic format, yyyymmddThhmmssZ; got '" +
                      std::string(*amz_date) + "'");
  }
  // Every mistake in the scope, in one message (as AWS answers, e.g. DynamoDB's).
  std::string scope_errors;
  auto add = [&scope_errors](std::string sentence) {
    if (!scope_errors.empty()) scope_errors += ' ';
    scope_errors += sentence;
  };
  if (!IsRegion(scope.region)) {
    add("Credential should be scoped to a valid region, not '" + std::string(scope.region) + "'.");
  }
  if (scope.service != kService) {
    add("Credential should be scoped to correct service: '" + std::string(kService) + "'.");
  }
  if (terminator != kTerminator) {
    add("Credential should be scoped with a valid terminator: '" + std::string(kTerminator) +
        "', not '" + std::string(terminator) + "'.");
  }
  if (scope.date != amz_date->substr(0, 8)) {
    add("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '" + std::string(scope.date) + "' != '" + std::string(amz_date->substr(0, 8)) +
        "', from '" + std::string(*amz_date) + "'.");
  }
  if (!scope_errors.empty()) return BadSignature(scope_errors);

  if (*signed_at < now_millis - kMaxClockSkewMillis) {
    return BadSignature("Signature expired: " + std::string(*amz_date) + " is now earlier than " +
                        AmzDate(now_millis - kMaxClockSkewMillis) + " (" + AmzDate(now_millis) +
                        " - 15 min.)");
  }
  if (*signed_at > now_millis + kMaxClockSkewMillis) {
    return BadSignature("Signature not yet current: " + std::string(*amz_date) +
                        " is still later than " + AmzDate(now_millis + kMaxClockSkewMillis) +
                        " (" + AmzDate(now_millis) + " + 15 min.)");
  }

  const auth::Identity* identity = identities.Find(scope.access_key_id);
  if (!identity) return Status(ErrorCode::kUnrecognizedClient, kInvalidToken);
  const auto token = FindHeader(request.headers, kTokenHeader);
  if (!ConstantTimeEquals(token.value_or(""), identity->session_token)) {
    return Status(ErrorCode::kUnrecognizedClient, kInvalidToken);
  }

  // The payload hash the client signed must be the body's: the body is what is served.
  const std::string body_hash = Sha256Hex(request.body);
  const auto content_hash = FindHeader(request.headers, kContentHashHeader);
  if (content_hash && *content_hash != body_hash) return BadSignature(kSignatureMismatch);
  TRY(std::string canonical, CanonicalRequest(request, params.signed_headers, body_hash));
  const std::string expected =
      SignatureHex(DeriveSigningKey(identity->secret, scope),
                   StringToSign(*amz_date, scope, canonical));
  if (!ConstantTimeEquals(expected, params.signature)) return BadSignature(kSignatureMismatch);
  return identity;
}

}  // namespace trent::http
