#include "common/status.h"

namespace trent {

const char* AwsErrorType(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "";
    case ErrorCode::kValidation: return "ValidationException";
    case ErrorCode::kSerialization: return "SerializationException";
    case ErrorCode::kUnknownOperation: return "UnknownOperationException";
    case ErrorCode::kUnsupportedOperation: return "UnsupportedOperationException";
    case ErrorCode::kNotFound: return "NotFoundException";
    case ErrorCode::kAlreadyExists: return "AlreadyExistsException";
    case ErrorCode::kNotAuthorized: return "NotAuthorizedException";
    case ErrorCode::kAccessDenied: return "AccessDeniedException";
    case ErrorCode::kDisabled: return "DisabledException";
    case ErrorCode::kInvalidState: return "KMSInvalidStateException";
    case ErrorCode::kInvalidCiphertext: return "InvalidCiphertextException";
    case ErrorCode::kInvalidSignature: return "KMSInvalidSignatureException";
    case ErrorCode::kIncorrectKey: return "IncorrectKeyException";
    case ErrorCode::kInvalidKeyUsage: return "InvalidKeyUsageException";
    case ErrorCode::kInvalidMac: return "KMSInvalidMacException";
    case ErrorCode::kInvalidMarker: return "InvalidMarkerException";
    case ErrorCode::kTag: return "TagException";
    case ErrorCode::kLimitExceeded: return "LimitExceededException";
    case ErrorCode::kConflict: return "ConflictException";
    case ErrorCode::kInvalidArn: return "InvalidArnException";
    case ErrorCode::kMalformedPolicyDocument: return "MalformedPolicyDocumentException";
    case ErrorCode::kDryRunOperation: return "DryRunOperationException";
    case ErrorCode::kCustomKeyStoreNotFound: return "CustomKeyStoreNotFoundException";
    case ErrorCode::kRequestEntityTooLarge: return "RequestEntityTooLargeException";
    case ErrorCode::kInvalidGrantToken: return "InvalidGrantTokenException";
    case ErrorCode::kInvalidGrantId: return "InvalidGrantIdException";
    case ErrorCode::kUnrecognizedClient: return "UnrecognizedClientException";
    case ErrorCode::kIncompleteSignature: return "IncompleteSignatureException";
    case ErrorCode::kRequestSignature: return "InvalidSignatureException";
    case ErrorCode::kMissingAuthenticationToken: return "MissingAuthenticationTokenException";
    case ErrorCode::kInternal: return "KMSInternalException";
  }
  return "KMSInternalException";
}

}  // namespace trent
