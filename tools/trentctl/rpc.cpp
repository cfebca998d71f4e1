#include "tools/trentctl/rpc.h"

#include <iostream>
#include <string>

#include "google/rpc/status.pb.h"
#include "server/grpc/metadata.h"

namespace trent::ctl {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

// The reason of the first google.rpc.ErrorInfo in the status details; empty when there is none.
std::string ErrorReason(const grpc::Status& status) {
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) return {};
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return {};
}

}  // namespace

std::unique_ptr<grpc::ClientContext> NewContext(const Options& options, bool deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (deadline) context->set_deadline(std::chrono::system_clock::now() + options.timeout);
  using namespace grpcfront;
  for (const auto& [name, value] : {std::pair{kAccessKeyIdHeader, &options.access_key_id},
                                    std::pair{kSecretAccessKeyHeader, &options.secret_access_key},
                                    std::pair{kSessionTokenHeader, &options.session_token},
                                    std::pair{kRegionHeader, &options.region}}) {
    if (*value) context->AddMetadata(name, **value);
  }
  return context;
}

int ReportFailure(const grpc::Status& status) {
  const std::string reason = ErrorReason(status);
  if (!reason.empty()) {
    std::cerr << reason << ": " << status.error_message() << "\n";
    return kExitServerError;
  }
  std::cerr << CodeName(status.error_code()) << ": " << status.error_message() << "\n";
  const bool unreachable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                           status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  return unreachable ? kExitUnreachable : kExitServerError;
}

}  // namespace trent::ctl
