// ParseCredentialScope on arbitrary Authorization headers: a scope it returns consists of views
// into the header, laid out as <access key>/<date>/<region>/<service>/aws4_request after
// "Credential=", each field well-formed; the same scope written as a canonical header parses back
// to the same fields.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/http/sigv4.h"
#include "tests/fuzz/fuzz_check.h"

using trent::http::CredentialScope;
using trent::http::ParseCredentialScope;

namespace {

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
