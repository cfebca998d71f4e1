// The admin API over HTTP: POST /_trent/v1/<Method> on the KMS port, with protobuf's JSON
// mapping of the messages of proto/trent/v1/admin.proto (an empty body is {}). The HTTP server
// routes every path under kAdminPathPrefix here.
#pragma once

#include <string>
#include <string_view>

namespace trent::admin {

class AdminService;

// The path prefix of every admin method: POST /_trent/v1/<Method>.
constexpr std::string_view kAdminPathPrefix = "/_trent/";

struct JsonAnswer {
  int http_status = 200;
  std::string body;
};

// Answers one request to `path` from a peer at `peer_ip`: 200 and the response message in JSON;
// else the AWS-style error document {"__type": ..., "message": ...} with 403 for a peer that may
// not call the admin API (AccessDeniedException), 404 for no such method
// (UnknownOperationException), 400 for a body that is not the request message in JSON
// (SerializationException) and for the method's own errors (500 for an internal one).
// StreamRecords answers the recent records as a RequestRecords message; `follow` is for gRPC.
JsonAnswer DispatchJson(AdminService& service, std::string_view path, std::string_view body,
                        std::string_view peer_ip, bool allow_remote);

}  // namespace trent::admin
