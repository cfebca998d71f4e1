// What every trentctl command shares: the channel and output choice, the exit codes, and how a
// failed call is reported.
#pragma once

#include <chrono>
#include <memory>

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
};

// A context whose deadline is `options.timeout` from now.
std::unique_ptr<grpc::ClientContext> NewContext(const Options& options);

// Prints a failed call to stderr and returns its exit code: "<AwsErrorType>: <message>" when the
// status carries a google.rpc.ErrorInfo (its reason), "<GRPC_CODE>: <message>" otherwise.
int ReportFailure(const grpc::Status& status);

}  // namespace trent::ctl
