#include "server/ops/dispatcher.h"

#include <algorithm>
#include <array>
#include <utility>

#include <spdlog/spdlog.h>

#include "server/model/codec.h"
#include "server/model/response_check.h"
#include "server/ops/authorize.h"
#include "server/ops/handlers.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

// Builds configured with -DTRENT_CHECK_RESPONSES=ON (scripts/test) check every answer against
// its output shape in the service model; other builds compile the check out.
#ifdef TRENT_CHECK_RESPONSES
constexpr bool kCheckResponses = true;
#else
constexpr bool kCheckResponses = false;
#endif
// Starts the log line of an answer that failed the check; tests/integration/harness.py fails
// the test that caused it when it finds this in trentd's log.
constexpr std::string_view kResponseCheckFailed = "response check failed: ";

// Whether an operation may block its thread: those that write wait for the write to be durable;
// slow ones compute for long (GenerateDataKeyPair: an RSA-4096 pair takes about a second).
enum class Blocking { kNo, kWrites, kSlow };

// Where an operation is authorized: where its key is resolved (ResolveKey), or, for an
// operation on no key, by the dispatcher before the handler runs.
enum class Resource { kKey, kNone };

struct Route {
  std::string_view name;
  Handler handler;
  Blocking blocking;
  Resource resource = Resource::kKey;
};

// The implemented operations, sorted by name. Every other operation of the service model
// answers UnsupportedOperationException.
constexpr std::array<Route, 43> kHandlers = {{
    {"CancelKeyDeletion", CancelKeyDeletion, Blocking::kWrites},
    {"CreateAlias", CreateAlias, Blocking::kWrites},
    {"CreateGrant", CreateGrant, Blocking::kWrites},
    {"CreateKey", CreateKey, Blocking::kWrites, Resource::kNone},
    {"Decrypt", Decrypt, Blocking::kNo},
    {"DeleteAlias", DeleteAlias, Blocking::kWrites},
    {"DeriveSharedSecret", DeriveSharedSecret, Blocking::kNo},
    {"DescribeKey", DescribeKey, Blocking::kNo},
    {"DisableKey", DisableKey, Blocking::kWrites},
    {"DisableKeyRotation", DisableKeyRotation, Blocking::kWrites},
    {"EnableKey", EnableKey, Blocking::kWrites},
    {"EnableKeyRotation", EnableKeyRotation, Blocking::kWrites},
    {"Encrypt", Encrypt, Blocking::kNo},
    {"GenerateDataKey", GenerateDataKey, Blocking::kNo},
    {"GenerateDataKeyPair", GenerateDataKeyPair, Blocking::kSlow},
    {"GenerateDataKeyPairWithoutPlaintext", GenerateDataKeyPairWithoutPlaintext, Blocking::kSlow},
    {"GenerateDataKeyWithoutPlaintext", GenerateDataKeyWithoutPlaintext, Blocking::kNo},
    {"GenerateMac", GenerateMac, Blocking::kNo},
    {"GenerateRandom", GenerateRandom, Blocking::kNo, Resource::kNone},
    {"GetKeyLastUsage", GetKeyLastUsage, Blocking::kNo},
    {"GetKeyPolicy", GetKeyPolicy, Blocking::kNo},
    {"GetKeyRotationStatus", GetKeyRotationStatus, Blocking::kNo},
    {"GetPublicKey", GetPublicKey, Blocking::kNo},
    {"ListAliases", ListAliases, Blocking::kNo, Resource::kNone},
    {"ListGrants", ListGrants, Blocking::kNo},
    {"ListKeyPolicies", ListKeyPolicies, Blocking::kNo},
    {"ListKeyRotations", ListKeyRotations, Blocking::kNo},
    {"ListKeys", ListKeys, Blocking::kNo, Resource::kNone},
    {"ListResourceTags", ListResourceTags, Blocking::kNo},
    // AWS authorizes it by the caller's identity policies alone (the service model).
    {"ListRetirableGrants", ListRetirableGrants, Blocking::kNo, Resource::kNone},
    {"PutKeyPolicy", PutKeyPolicy, Blocking::kWrites},
    {"ReEncrypt", ReEncrypt, Blocking::kNo},
    // The grant decides who may retire it (policy::MayRetire), not the key policy: only the
    // caller's identity policies are asked here (an explicit deny of kms:RetireGrant refuses).
    {"RetireGrant", RetireGrant, Blocking::kWrites, Resource::kNone},
    {"RevokeGrant", RevokeGrant, Blocking::kWrites},
    {"RotateKeyOnDemand", RotateKeyOnDemand, Blocking::kWrites},
    {"ScheduleKeyDeletion", ScheduleKeyDeletion, Blocking::kWrites},
    {"Sign", Sign, Blocking::kNo},
    {"TagResource", TagResource, Blocking::kWrites},
    {"UntagResource", UntagResource, Blocking::kWrites},
    {"UpdateAlias", UpdateAlias, Blocking::kWrites},
    {"UpdateKeyDescription", UpdateKeyDescription, Blocking::kWrites},
    {"Verify", Verify, Blocking::kNo},
    {"VerifyMac", VerifyMac, Blocking::kNo},
}};

const Route* FindRoute(std::string_view operation) {
  auto it = std::lower_bound(
      kHandlers.begin(), kHandlers.end(), operation,
      [](const Route& route, std::string_view name) { return route.name < name; });
  return it != kHandlers.end() && it->name == operation ? &*it : nullptr;
}

// Internal failures (SQLite, PKCS#11, ...) are logged with the request id and their text is
// not sent: the client gets KMSInternalException (HTTP 500) naming only the request id. AWS's
// own message for it is not documented; the text is the model's description of the error.
ApiResponse ErrorResponse(const Status& status, std::string_view request_id) {
  if (status.code() != ErrorCode::kInternal) {
    return {HttpStatusOf(status.code()), model::EncodeError(status)};
  }
  spdlog::error("request {}: internal error: {}", request_id, status.message());
  return {HttpStatusOf(ErrorCode::kInternal),
          model::EncodeError(InternalError(
              "The request was rejected because an internal exception occurred. The request can "
              "be retried. Request id: " + std::string(request_id) + "."))};
}

}  // namespace

bool Dispatcher::Blocks(std::string_view operation) {
  const Route* route = FindRoute(operation);
  return route && route->blocking != Blocking::kNo;
}

ApiResponse Dispatcher::Dispatch(const RequestMeta& meta, std::string_view body) const {
  const model::Operation* op = model::FindOperation(meta.operation);
  if (!op) {
    return ErrorResponse({ErrorCode::kUnknownOperation,
                          "Operation " + std::string(meta.operation) + " is not a KMS operation."},
                         meta.request_id);
  }
  // An operation trent does not implement is refused before its body is read: the answer does
  // not depend on the body, so reading it would only cost time.
  const Route* route = FindRoute(meta.operation);
  if (!route) {
    return ErrorResponse(UnsupportedError("trent does not implement " +
                                          std::string(meta.operation) + " yet."),
                         meta.request_id);
  }
  auto input = model::DecodeRequest(*op, body);
  if (!input.ok()) return ErrorResponse(input.status(), meta.request_id);
  // One place for every operation with a GrantTokens member.
  if (Status tokens = CheckGrantTokens(*input); !tokens.ok()) {
    return ErrorResponse(tokens, meta.request_id);
  }
  const bool identified = !meta.principal_arn.empty();
  const std::string action = "kms:" + std::string(meta.operation);
  Call call{action, &*input, identified ? std::string_view(meta.account) : services_.default_account,
            identified ? std::string_view(meta.principal_arn) : services_.default_root_arn,
            meta.region, meta.access_key_id, meta.request_id, meta.source_ip,
            services_.clock.NowMillis(), meta.identity_policies};
  if (route->resource == Resource::kNone) {
    if (Status allowed = AuthorizeWithoutKey(call, services_); !allowed.ok()) {
      return ErrorResponse(allowed, meta.request_id);
    }
  }
  auto output = route->handler(call, *input, services_);
  if (!output.ok()) return ErrorResponse(output.status(), meta.request_id);
  if (!call.authorized) {
    model::WipeOutput(*output);
    return ErrorResponse(InternalError(std::string(meta.operation) + " answered without an "
                                       "authorization decision"),
                         meta.request_id);
  }
  if constexpr (kCheckResponses) {
    // The object checked is the one encoded: EncodeResponse only serializes it.
    if (Status checked = model::CheckResponse(*op, *output); !checked.ok()) {
      model::WipeOutput(*output);
      return ErrorResponse(InternalError(std::string(kResponseCheckFailed) + checked.message()),
                           meta.request_id);
    }
  }
  return {200, model::EncodeResponse(*output)};
}

}  // namespace trent::ops
