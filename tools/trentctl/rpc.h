// What every trentctl command shares: the channel and output choice, the exit codes, and how a
// failed call is reported.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

namespace trent::ctl {

// trentctl's exit codes (listed in --help).
enum ExitCode : int {
  kExitOk = 0,
  kExitServerError = 1,  // the server answered with an error (an AWS error for kms)
  kExitUsage = 2,        // bad flags, an unknown operation, a request JSON that does not parse
  kExitUnreachable = 3,  // no answer: the server cannot be reached or did not answer in time
};

struct Options {
  std::shared_ptr<grpc::Channel> channel;
  bool json = false;                   // --json: JSON documents instead of readable text
  std::chrono::seconds timeout{30};    // per call (tail --follow has none)
  // Who calls, and in which region (server/grpc/metadata.h); unset: trentd's defaults.
  std::optional<std::string> access_key_id, secret_access_key, session_token, region;
};

// A context for one call: the caller's metadata, and a deadline `options.timeout` from now
// unless `deadline` is false.
std::unique_ptr<grpc::ClientContext> NewContext(const Options& options, bool deadline = true);

// Prints a failed call to stderr and returns its exit code: "<AwsErrorType>: <message>" when the
// status carries a google.rpc.ErrorInfo (its reason), "<GRPC_CODE>: <message>" otherwise.
int ReportFailure(const grpc::Status& status);

}  // namespace trent::ctl
