#include "server/http/sigv4.h"

#include <algorithm>

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
