#include "server/ops/dispatcher.h"

#include <algorithm>
#include <array>
#include <utility>

#include <spdlog/spdlog.h>

#include "server/model/codec.h"
#include "server/model/loggable.h"
#include "server/model/response_check.h"
#include "server/model/service_model.h"
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

}  // namespace

// What an operation's work does to the thread that runs it, which decides that thread. kQuick:
// microseconds, on the network thread. kWrites: waits for its write to be durable, on a thread
// of the blocking pool. kCompute: does not block, but keeps a core busy for 0.05-5 ms (an
// asymmetric signature in the HSM, its verification, an ECDH agreement, an EC data key pair)
// or longer (an RSA data key pair: 0.1 s for RSA_2048 to seconds for RSA_4096): on a compute
// thread, as many as cores, where waking a thread costs less than in the larger blocking pool.
enum class Work { kQuick, kWrites, kCompute };

// Where an operation is authorized: where its key is resolved (ResolveKey), or, for an
// operation on no key, by the dispatcher before the handler runs.
enum class Resource { kKey, kNone };

struct Route {
  std::string_view name;
  Handler handler;
  Work work;
  Resource resource = Resource::kKey;
  // The form that does not wait for its write (DispatchLater), if the operation has one.
  LaterHandler later = nullptr;
};

namespace {

// The answer of a KeyChange once its edit is done.
Result<Output> Answer(const KeyChange::Answer& answer, Result<kms::KeyPtr> changed) {
  TRY(kms::KeyPtr key, std::move(changed));
  return answer ? answer(key) : Output{};
}

// How each kind of change is stored: waiting for the write, and not.
Result<Output> Store(const Call&, Services& s, const KeyChange& c) {
  return Answer(c.answer, s.keys.Update(*c.key, c.edit));
}

void StoreThen(const Call&, Services& s, KeyChange c, Finish finish) {
  s.keys.UpdateThen(
      std::move(c.key), std::move(c.edit),
      [answer = std::move(c.answer), finish = std::move(finish)](Result<kms::KeyPtr> changed) {
        finish([answer, changed = std::move(changed)] { return Answer(answer, changed); });
      });
}

Result<Output> Store(const Call& call, Services& s, const AliasChange& c) {
  TRY_STATUS(
      s.keys.ChangeAlias(c.op, call.account, call.region, c.name, c.target.get(), call.now_ms));
  return Output{};
}

void StoreThen(const Call& call, Services& s, AliasChange c, Finish finish) {
  s.keys.ChangeAliasThen(c.op, call.account, call.region, c.name, std::move(c.target),
                         call.now_ms, [finish = std::move(finish)](Status stored) {
                           finish([stored]() -> Result<Output> {
                             TRY_STATUS(stored);
                             return Output{};
                           });
                         });
}

// The two forms of an operation whose handler returns the change it makes (a KeyChange or an
// AliasChange): waiting for the write, and not.
template <auto change>
Result<Output> Changing(const Call& call, const Input& in, Services& s) {
  TRY(auto c, change(call, in, s));
  return Store(call, s, c);
}

template <auto change>
bool ChangingLater(const Call& call, const Input& in, Services& s, Finish finish) {
  auto c = change(call, in, s);
  if (!c.ok()) {
    finish([refused = c.status()]() -> Result<Output> { return refused; });
    return true;
  }
  StoreThen(call, s, std::move(*c), std::move(finish));
  return true;
}

template <auto change>
constexpr Route ChangeRoute(std::string_view name, Resource resource = Resource::kKey) {
  return {name, Changing<change>, Work::kWrites, resource, ChangingLater<change>};
}

// The implemented operations, sorted by name. Every other operation of the service model
// answers UnsupportedOperationException.
constexpr std::array<Route, 43> kHandlers = {{
    ChangeRoute<CancelKeyDeletion>("CancelKeyDeletion"),
    ChangeRoute<CreateAlias>("CreateAlias"),
    ChangeRoute<CreateGrant>("CreateGrant"),
    {"CreateKey", CreateKey, Work::kWrites, Resource::kNone, CreateKeyLater},
    {"Decrypt", Decrypt, Work::kQuick},
    ChangeRoute<DeleteAlias>("DeleteAlias"),
    {"DeriveSharedSecret", DeriveSharedSecret, Work::kCompute},
    {"DescribeKey", DescribeKey, Work::kQuick},
    ChangeRoute<DisableKey>("DisableKey"),
    ChangeRoute<DisableKeyRotation>("DisableKeyRotation"),
    ChangeRoute<EnableKey>("EnableKey"),
    ChangeRoute<EnableKeyRotation>("EnableKeyRotation"),
    {"Encrypt", Encrypt, Work::kQuick},
    {"GenerateDataKey", GenerateDataKey, Work::kQuick},
    {"GenerateDataKeyPair", GenerateDataKeyPair, Work::kCompute},
    {"GenerateDataKeyPairWithoutPlaintext", GenerateDataKeyPairWithoutPlaintext, Work::kCompute},
    {"GenerateDataKeyWithoutPlaintext", GenerateDataKeyWithoutPlaintext, Work::kQuick},
    {"GenerateMac", GenerateMac, Work::kQuick},
    {"GenerateRandom", GenerateRandom, Work::kQuick, Resource::kNone},
    {"GetKeyLastUsage", GetKeyLastUsage, Work::kQuick},
    {"GetKeyPolicy", GetKeyPolicy, Work::kQuick},
    {"GetKeyRotationStatus", GetKeyRotationStatus, Work::kQuick},
    {"GetPublicKey", GetPublicKey, Work::kQuick},
    {"ListAliases", ListAliases, Work::kQuick, Resource::kNone},
    {"ListGrants", ListGrants, Work::kQuick},
    {"ListKeyPolicies", ListKeyPolicies, Work::kQuick},
    {"ListKeyRotations", ListKeyRotations, Work::kQuick},
    {"ListKeys", ListKeys, Work::kQuick, Resource::kNone},
    {"ListResourceTags", ListResourceTags, Work::kQuick},
    // AWS authorizes it by the caller's identity policies alone (the service model).
    {"ListRetirableGrants", ListRetirableGrants, Work::kQuick, Resource::kNone},
    ChangeRoute<PutKeyPolicy>("PutKeyPolicy"),
    {"ReEncrypt", ReEncrypt, Work::kQuick},
    // The grant decides who may retire it (policy::MayRetire), not the key policy: only the
    // caller's identity policies are asked here (an explicit deny of kms:RetireGrant refuses).
    ChangeRoute<RetireGrant>("RetireGrant", Resource::kNone),
    ChangeRoute<RevokeGrant>("RevokeGrant"),
    {"RotateKeyOnDemand", RotateKeyOnDemand, Work::kWrites},
    ChangeRoute<ScheduleKeyDeletion>("ScheduleKeyDeletion"),
    {"Sign", Sign, Work::kCompute},
    ChangeRoute<TagResource>("TagResource"),
    ChangeRoute<UntagResource>("UntagResource"),
    ChangeRoute<UpdateAlias>("UpdateAlias"),
    ChangeRoute<UpdateKeyDescription>("UpdateKeyDescription"),
    {"Verify", Verify, Work::kCompute},
    {"VerifyMac", VerifyMac, Work::kQuick},
}};

const Route* FindRoute(std::string_view operation) {
  auto it = std::lower_bound(
      kHandlers.begin(), kHandlers.end(), operation,
      [](const Route& route, std::string_view name) { return route.name < name; });
  return it != kHandlers.end() && it->name == operation ? &*it : nullptr;
}

// Internal failures (SQLite, PKCS#11, ...) are logged with the request id and their text is
// not sent: the client gets KMSInternalException naming only the request id. AWS's own message
// for it is not documented; the text is the model's description of the error.
Outcome Failed(const Status& status, std::string_view request_id,
               std::vector<std::string> key_arns = {}) {
  Outcome outcome;
  outcome.key_arns = std::move(key_arns);
  if (status.code() != ErrorCode::kInternal) {
    outcome.output = status;
    return outcome;
  }
  spdlog::error("request {}: internal error: {}", request_id, status.message());
  outcome.output = InternalError("The request was rejected because an internal exception occurred. "
                                 "The request can be retried. Request id: " +
                                 std::string(request_id) + ".");
  return outcome;
}

// The operation and its route, or the error for an operation that is not one of the model's, or
// that trent does not implement.
Result<std::pair<const model::Operation*, const Route*>> Find(std::string_view operation) {
  const model::Operation* op = model::FindOperation(operation);
  if (!op) {
    return Status(ErrorCode::kUnknownOperation,
                  "Operation " + std::string(operation) + " is not a KMS operation.");
  }
  const Route* route = FindRoute(operation);
  if (!route) return UnsupportedError("trent does not implement " + std::string(operation) + " yet.");
  return std::make_pair(op, route);
}

// Whether the operation changes nothing that is stored (CloudTrail's readOnly): by its route, or
// for an operation trent does not implement (no route), by its name.
bool ReadOnly(const Route* route, std::string_view operation) {
  if (route) return route->work != Work::kWrites;
  for (std::string_view reader : {"Describe", "Get", "List"}) {
    if (operation.starts_with(reader)) return true;
  }
  return false;
}

}  // namespace

bool Dispatcher::Blocks(std::string_view operation) {
  const Route* route = FindRoute(operation);
  return route && route->work == Work::kWrites;
}

bool Dispatcher::Computes(std::string_view operation) {
  const Route* route = FindRoute(operation);
  return route && route->work == Work::kCompute;
}

bool Dispatcher::Defers(std::string_view operation) {
  const Route* route = FindRoute(operation);
  return route && route->later;
}

Outcome Dispatcher::Dispatch(const RequestMeta& meta, std::string_view body) const {
  // An operation trent does not implement is refused before its body is read: the answer does
  // not depend on the body, so reading it would only cost time.
  auto found = Find(meta.operation);
  if (!found.ok()) return WithCaller(meta, nullptr, Failed(found.status(), meta.request_id));
  const auto [op, route] = *found;
  auto input = model::DecodeRequest(*op, body);
  if (!input.ok()) return WithCaller(meta, route, Failed(input.status(), meta.request_id));
  return Complete(meta, *op, *route, *input, Run(meta, *op, *route, *input));
}

Outcome Dispatcher::DispatchTyped(const RequestMeta& meta, boost::json::object input) const {
  auto found = Find(meta.operation);
  if (!found.ok()) return WithCaller(meta, nullptr, Failed(found.status(), meta.request_id));
  const auto [op, route] = *found;
  Status valid = model::ValidateRequest(*op, input, model::BlobForm::kRaw);
  if (!valid.ok()) return WithCaller(meta, route, Failed(valid, meta.request_id));
  return Complete(meta, *op, *route, input, Run(meta, *op, *route, input));
}

Outcome Dispatcher::WithCaller(const RequestMeta& meta, const Route* route,
                               Outcome outcome) const {
  outcome.account = AccountOf(meta);
  outcome.principal_arn = PrincipalOf(meta);
  outcome.read_only = ReadOnly(route, meta.operation);
  return outcome;
}

Outcome Dispatcher::Complete(const RequestMeta& meta, const model::Operation& op,
                             const Route& route, const boost::json::object& input,
                             Outcome outcome) const {
  outcome = WithCaller(meta, &route, std::move(outcome));
  if (views_ == AuditViews::kOff) return outcome;
  outcome.request_parameters = model::LoggableView(op.input, input);
  // As CloudTrail records KMS calls: the answer of a call that changes something (CreateKey's
  // key metadata, CreateGrant's grant id), none for the calls that only read or compute.
  if (!outcome.read_only && outcome.output.ok()) {
    outcome.response_elements = model::LoggableView(op.output, *outcome.output);
  }
  return outcome;
}

Outcome Dispatcher::Run(const RequestMeta& meta, const model::Operation& op, const Route& route,
                        const boost::json::object& input) const {
  const std::string action = "kms:" + std::string(meta.operation);
  auto call = Begin(meta, route, input, action);
  if (!call.ok()) return Failed(call.status(), meta.request_id);
  return Conclude(meta, op, *call, route.handler(*call, input, services_));
}

bool Dispatcher::DispatchLater(const RequestMeta& meta, std::string_view body, Resume resume,
                               std::function<void(Outcome)> done) const {
  auto found = Find(meta.operation);
  // Not an operation that Defers: Dispatch answers it.
  if (!found.ok() || !found->second->later) return false;
  // Named variables, not a structured binding: the continuations capture them.
  const model::Operation* op = found->first;
  const Route* route = found->second;
  // What the request needs until its answer, shared by the continuations.
  struct Pending {
    boost::json::object input;
    std::string action;
    Call call;
  };
  auto input = model::DecodeRequest(*op, body);
  if (!input.ok()) {
    done(WithCaller(meta, route, Failed(input.status(), meta.request_id)));
    return true;
  }
  auto pending = std::make_shared<Pending>(
      Pending{std::move(*input), "kms:" + std::string(meta.operation), Call{}});
  auto call = Begin(meta, *route, pending->input, pending->action);
  if (!call.ok()) {
    done(Complete(meta, *op, *route, pending->input, Failed(call.status(), meta.request_id)));
    return true;
  }
  pending->call = std::move(*call);
  return route->later(
      pending->call, pending->input, services_,
      [this, &meta, op, route, pending, resume = std::move(resume),
       done = std::move(done)](std::function<Result<boost::json::object>()> rest) {
        resume([this, &meta, op, route, pending, done, rest = std::move(rest)] {
          Outcome outcome = Conclude(meta, *op, pending->call, rest());
          done(Complete(meta, *op, *route, pending->input, std::move(outcome)));
        });
      });
}

Result<Call> Dispatcher::Begin(const RequestMeta& meta, const Route& route,
                               const boost::json::object& input,
                               const std::string& action) const {
  // One place for every operation with a GrantTokens member.
  TRY_STATUS(CheckGrantTokens(input));
  Call call{action, &input, AccountOf(meta), PrincipalOf(meta), meta.region, meta.access_key_id,
            meta.request_id, meta.source_ip, services_.clock.NowMillis(), meta.identity_policies};
  if (route.resource == Resource::kNone) TRY_STATUS(AuthorizeWithoutKey(call, services_));
  return call;
}

Outcome Dispatcher::Conclude(const RequestMeta& meta, const model::Operation& op,
                             const Call& call, Result<boost::json::object> output) const {
  if (!output.ok()) return Failed(output.status(), meta.request_id, std::move(call.key_arns));
  if (!call.authorized) {
    model::WipeOutput(*output);
    return Failed(InternalError(std::string(meta.operation) + " answered without an "
                                "authorization decision"),
                  meta.request_id, std::move(call.key_arns));
  }
  if constexpr (kCheckResponses) {
    // The object checked is the one the frontend encodes.
    if (Status checked = model::CheckResponse(op, *output); !checked.ok()) {
      model::WipeOutput(*output);
      return Failed(InternalError(std::string(kResponseCheckFailed) + checked.message()),
                    meta.request_id, std::move(call.key_arns));
    }
  }
  Outcome outcome;
  outcome.output = std::move(output);
  outcome.key_arns = std::move(call.key_arns);
  return outcome;
}

std::string_view Dispatcher::AccountOf(const RequestMeta& meta) const {
  return meta.principal_arn.empty() ? std::string_view(services_.default_account)
                                    : std::string_view(meta.account);
}

std::string_view Dispatcher::PrincipalOf(const RequestMeta& meta) const {
  return meta.principal_arn.empty() ? std::string_view(services_.default_root_arn)
                                    : std::string_view(meta.principal_arn);
}

}  // namespace trent::ops
