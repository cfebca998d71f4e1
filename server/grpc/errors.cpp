#include "server/grpc/errors.h"

#include <string>

#include "google/rpc/status.pb.h"

namespace trent::grpcfront {

grpc::StatusCode GrpcCodeOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return grpc::StatusCode::OK;
    case ErrorCode::kValidation:
    case ErrorCode::kSerialization:
    case ErrorCode::kInvalidCiphertext:
    case ErrorCode::kInvalidSignature:
    case ErrorCode::kIncorrectKey:
    case ErrorCode::kInvalidKeyUsage:
    case ErrorCode::kInvalidMac:
    case ErrorCode::kInvalidMarker:
    case ErrorCode::kTag:
    case ErrorCode::kMalformedPolicyDocument:
    case ErrorCode::kInvalidArn:
    case ErrorCode::kInvalidGrantToken:
    case ErrorCode::kInvalidGrantId:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kUnknownOperation:
    case ErrorCode::kUnsupportedOperation:
      return grpc::StatusCode::UNIMPLEMENTED;
    case ErrorCode::kNotFound:
    case ErrorCode::kCustomKeyStoreNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case ErrorCode::kNotAuthorized:
    case ErrorCode::kAccessDenied:
      return grpc::StatusCode::PERMISSION_DENIED;
    // The key's state does not allow the operation; DryRunOperationException is AWS's HTTP 412
    // (Precondition Failed).
    case ErrorCode::kDisabled:
    case ErrorCode::kInvalidState:
    case ErrorCode::kDryRunOperation:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorCode::kConflict:  // a concurrent change (an on-demand rotation in progress)
      return grpc::StatusCode::ABORTED;
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kRequestEntityTooLarge:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::kUnrecognizedClient:
    case ErrorCode::kIncompleteSignature:
    case ErrorCode::kRequestSignature:
    case ErrorCode::kMissingAuthenticationToken:
      return grpc::StatusCode::UNAUTHENTICATED;
    case ErrorCode::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::UNKNOWN;
}

grpc::Status ToGrpcStatus(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const grpc::StatusCode code = GrpcCodeOf(status.code());
  google::rpc::ErrorInfo info;
  info.set_reason(AwsErrorType(status.code()));
  info.set_domain(kErrorDomain);
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(status.message());
  details.add_details()->PackFrom(info);
  return grpc::Status(code, status.message(), details.SerializeAsString());
}

}  // namespace trent::grpcfront
