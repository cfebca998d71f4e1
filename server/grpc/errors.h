// AWS errors as gRPC statuses: the gRPC code closest to the error's meaning, the AWS message as
// the status message, and in the details (grpc-status-details-bin) a google.rpc.Status holding a
// google.rpc.ErrorInfo whose reason is the AWS error type.
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace trent::grpcfront {

// The domain of every ErrorInfo trent sends: the service whose errors these are.
inline constexpr char kErrorDomain[] = "kms.amazonaws.com";

grpc::StatusCode GrpcCodeOf(ErrorCode code);
grpc::Status ToGrpcStatus(const Status& status);

}  // namespace trent::grpcfront
