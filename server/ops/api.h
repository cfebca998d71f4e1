// What a frontend hands to the operation layer, and what it gets back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/status.h"
#include "policy/policy.h"
#include "server/records/record.h"

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
  std::string user_agent;       // the client's User-Agent, may be empty
};

// What the operation layer answers a frontend: the operation's output as a JSON object in the
// codec's form (blobs as base64 text, timestamps as epoch seconds), or the AWS error; and the
// keys the request acted on.
struct Outcome {
  Result<boost::json::object> output = boost::json::object();
  std::vector<std::string> key_arns = {};
  // The caller as the operation layer saw it (the default account's root when the frontend
  // identified nobody). Views into the RequestMeta or the Dispatcher: valid while both are.
  std::string_view account = {};
  std::string_view principal_arn = {};
  // For the audit record (model/loggable.h): the request's members, and for an operation that
  // changes something the answer's, without blobs or sensitive values; null when none, or when
  // the Dispatcher makes no audit views.
  boost::json::value request_parameters = nullptr;
  boost::json::value response_elements = nullptr;
  bool read_only = true;  // whether the operation only reads (CloudTrail's readOnly)
};

// The request's record (records/record.h) from what the frontend knew and what the operation
// layer answered. `now_ms`: the server clock's time; `latency_us`: how long the frontend took.
records::RequestRecord MakeRecord(const RequestMeta& meta, const Outcome& outcome,
                                  std::string_view frontend, int64_t now_ms, int64_t latency_us);

// A complete answer: HTTP status and the JSON body (a result or an AWS error document).
struct ApiResponse {
  int http_status = 200;
  std::string body;
};

}  // namespace trent::ops
