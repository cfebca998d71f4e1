// The operation layer, protocol-neutral: finds the operation, validates its input against the
// service model, checks grant tokens, authorizes, runs its handler, and answers the output or the
// AWS error as a value. Frontends (server/http for AWS JSON, server/grpc) turn their requests into
// its input and its Outcome into their answers.
#pragma once

#include <functional>
#include <string_view>

#include <boost/json.hpp>

#include "server/ops/api.h"
#include "server/ops/call.h"

namespace trent::model {
struct Operation;
}

namespace trent::ops {

struct Route;

// Whether each Outcome carries the audit views of its request and answer (model/loggable.h):
// they cost a few percent of a small operation's CPU, so only when an audit log is kept.
enum class AuditViews { kOff, kOn };

class Dispatcher {
 public:
  explicit Dispatcher(Services& services, AuditViews views = AuditViews::kOff)
      : services_(services), views_(views) {}

  // AWS JSON: `body` is the request's JSON text.
  Outcome Dispatch(const RequestMeta& meta, std::string_view body) const;
  // Typed frontends: `input` holds the request's members as JSON values, blobs as raw bytes
  // (pbjson::Blobs::kRaw), in memory from model::RequestStorage; validated as Dispatch does.
  Outcome DispatchTyped(const RequestMeta& meta, boost::json::object input) const;

  // True when `operation` may block its thread (it waits for a durable write, or computes for
  // long), so that a frontend runs it away from the threads that serve everyone else.
  static bool Blocks(std::string_view operation);

  // True when `operation` does not block but computes for long in the HSM (Sign, Verify,
  // DeriveSharedSecret), so that a frontend runs it on a thread of a pool sized to the cores.
  static bool Computes(std::string_view operation);

  // True when DispatchLater serves `operation` without blocking: its write is queued and the
  // thread goes on serving others meanwhile.
  static bool Defers(std::string_view operation);
  // Runs `continuation` on one of the frontend's threads, later (never inline).
  using Resume = std::function<void(std::function<void()> continuation)>;
  // Dispatch for an operation that Defers: returns once its write is queued. `done` gets the
  // Outcome exactly once: from a continuation run by `resume`, or at once, on this thread,
  // when the request is refused before its write. `meta` and `body` must stay valid until then.
  // Returns false, without calling `done`, for a request the operation serves in its blocking
  // form only (see LaterHandler), or for an operation that does not Defer: the frontend then
  // runs Dispatch on a blocking thread.
  bool DispatchLater(const RequestMeta& meta, std::string_view body, Resume resume,
                     std::function<void(Outcome)> done) const;

  // The caller's account and principal: meta's, or the default account's root when the
  // frontend identified nobody.
  std::string_view AccountOf(const RequestMeta& meta) const;
  std::string_view PrincipalOf(const RequestMeta& meta) const;

 private:
  // The caller, and whether the operation only reads; `route` is the operation's, found once by
  // Dispatch or DispatchTyped (null when trent has none for it).
  Outcome WithCaller(const RequestMeta& meta, const Route* route, Outcome outcome) const;
  // WithCaller, and the audit record's views of the request and the answer.
  Outcome Complete(const RequestMeta& meta, const model::Operation& op, const Route& route,
                   const boost::json::object& input, Outcome outcome) const;
  Outcome Run(const RequestMeta& meta, const model::Operation& op, const Route& route,
              const boost::json::object& input) const;
  // Run's steps before the handler: the grant tokens, the Call (its action is `action`), and
  // the authorization of an operation on no key.
  Result<Call> Begin(const RequestMeta& meta, const Route& route,
                     const boost::json::object& input, const std::string& action) const;
  // Run's steps after the handler: the answer, checked, as the frontend's Outcome.
  Outcome Conclude(const RequestMeta& meta, const model::Operation& op, const Call& call,
                   Result<boost::json::object> output) const;

  Services& services_;
  const AuditViews views_;
};

}  // namespace trent::ops
