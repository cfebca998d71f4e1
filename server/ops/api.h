// What a frontend hands to the operation layer, and what it gets back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace trent::ops {

// Facts about one request, taken by the frontend from the transport.
struct RequestMeta {
  std::string_view operation;   // "Encrypt" (the part after "TrentService.")
  std::string region;           // from the SigV4 credential scope, else the default region
  std::string access_key_id;    // from the SigV4 credential scope, may be empty
  // The caller, as the frontend identified it (see --credentials-file); both empty for the
  // default account's root principal.
  std::string principal_arn;    // "arn:aws:iam::111111111111:user/alice"
  std::string account;          // "111111111111"
  // The caller's identity policies; null when none are on record (then they allow everything).
  const std::vector<policy::DocumentPtr>* identity_policies = nullptr;
  std::string request_id;       // x-amzn-RequestId of the response
  std::string source_ip;
};

// A complete answer: HTTP status and the JSON body (a result or an AWS error document).
struct ApiResponse {
  int http_status = 200;
  std::string body;
};

}  // namespace trent::ops
