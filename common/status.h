// Errors as values: every fallible call returns a Status or a Result<T>.
// The code is the AWS KMS error type the client will see.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace trent {

enum class ErrorCode {
  kOk,
  kValidation,             // ValidationException
  kSerialization,          // SerializationException
  kUnknownOperation,       // UnknownOperationException
  kUnsupportedOperation,   // UnsupportedOperationException
  kNotFound,               // NotFoundException
  kAlreadyExists,          // AlreadyExistsException
  kNotAuthorized,          // NotAuthorizedException
  kAccessDenied,           // AccessDeniedException
  kDisabled,               // DisabledException
  kInvalidState,           // KMSInvalidStateException
  kInvalidCiphertext,      // InvalidCiphertextException
  kInvalidSignature,       // KMSInvalidSignatureException
  kIncorrectKey,           // IncorrectKeyException
  kInvalidKeyUsage,        // InvalidKeyUsageException
  kInvalidMac,             // KMSInvalidMacException
  kInvalidMarker,          // InvalidMarkerException
  kTag,                    // TagException
  kLimitExceeded,          // LimitExceededException
  kConflict,               // ConflictException
  kMalformedPolicyDocument,// MalformedPolicyDocumentException
  kInvalidArn,             // InvalidArnException
  kDryRunOperation,        // DryRunOperationException
  kCustomKeyStoreNotFound, // CustomKeyStoreNotFoundException
  kRequestEntityTooLarge,  // RequestEntityTooLargeException (HTTP 413)
  kInvalidGrantToken,      // InvalidGrantTokenException
  kInvalidGrantId,         // InvalidGrantIdException
  // Authentication (SigV4), answered before any operation runs.
  kUnrecognizedClient,     // UnrecognizedClientException
  kIncompleteSignature,    // IncompleteSignatureException
  kRequestSignature,       // InvalidSignatureException (not KMSInvalidSignatureException)
  kMissingAuthenticationToken,  // MissingAuthenticationTokenException (HTTP 403)
  kInternal,               // KMSInternalException (HTTP 500)
};

// The "__type" string AWS puts on the wire for this code.
const char* AwsErrorType(ErrorCode code);

class Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status ValidationError(std::string m) { return {ErrorCode::kValidation, std::move(m)}; }
inline Status NotFoundError(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
inline Status InternalError(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }
inline Status UnsupportedError(std::string m) {
  return {ErrorCode::kUnsupportedOperation, std::move(m)};
}

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {}     // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(value_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(value_);
  }
  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace trent

#define TRENT_CONCAT_INNER(a, b) a##b
#define TRENT_CONCAT(a, b) TRENT_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` is not ok.
#define TRY_STATUS(expr)                          \
  do {                                            \
    ::trent::Status _st = (expr);                 \
    if (!_st.ok()) return _st;                    \
  } while (0)

// `TRY(auto x, ResultExpr())`: binds the value or returns the Status.
#define TRY(lhs, expr) TRY_IMPL(TRENT_CONCAT(_result_, __LINE__), lhs, expr)
#define TRY_IMPL(tmp, lhs, expr)      \
  auto tmp = (expr);                  \
  if (!tmp.ok()) return tmp.status(); \
  lhs = std::move(tmp).value()
