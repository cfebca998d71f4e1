// The credential scope of an AWS Signature Version 4 Authorization header. Signatures are not
// verified here; the scope only tells which region and access key the caller meant.
#pragma once

#include <optional>
#include <string_view>

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

}  // namespace trent::http
