// trentctl: a command-line client of trentd's gRPC APIs (trent.v1.Admin and
// trent.v1.KeyManagementService), for people and shell tests.
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>

#include "tools/trentctl/admin_commands.h"
#include "tools/trentctl/kms_command.h"
#include "tools/trentctl/rpc.h"

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0  success\n"
    "  1  the server answered with an error (printed as '<AwsErrorType>: <message>' for kms)\n"
    "  2  usage error: bad flags, an unknown operation, a request that is not valid JSON\n"
    "  3  no answer: the server cannot be reached or did not answer in time";

// "+SECONDS" as a number of seconds; nullopt when the text is not of that form.
std::optional<int64_t> Advance(const std::string& text) {
  if (text.size() < 2 || text.size() > 19 || text[0] != '+') return std::nullopt;
  int64_t seconds = 0;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    seconds = seconds * 10 + (text[i] - '0');
  }
  return seconds;
}

void AddScope(CLI::App* command, trent::ctl::Scope* scope, const char* what) {
  command->add_option("--account", scope->account, std::string("only the ") + what +
                                                       " of this account (12 digits)");
  command->add_option("--region", scope->region,
                      std::string("only the ") + what + " of this region");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trent::ctl;
  CLI::App app{"trentctl: a client of trentd's admin and KMS gRPC APIs (trentd --grpc-listen)"};
  app.footer(kExitCodes);
  app.require_subcommand(1);
  app.fallthrough();  // --json and --server after the command too
  std::string server;
  int timeout_seconds = 30;
  Options options;
  app.add_option("--server", server, "trentd's gRPC address, HOST:PORT")
      ->envname("TRENTCTL_SERVER")->required();
  app.add_flag("--json", options.json, "print JSON documents instead of readable text");
  app.add_option("--timeout", timeout_seconds, "seconds to wait for each answer")
      ->capture_default_str()->check(CLI::Range(1, 3600));
  app.add_option("--region", options.region, "the region of KMS requests (default: trentd's)");
  app.add_option("--access-key-id", options.access_key_id,
                 "call as this identity of trentd's --credentials-file (default: the default "
                 "account's root)");
  app.add_option("--secret-access-key", options.secret_access_key,
                 "the identity's secret (trentd --auth strict)");
  app.add_option("--session-token", options.session_token,
                 "the identity's session token, for temporary credentials (--auth strict)");

  app.add_subcommand("health", "print SERVING when trentd is ready (exit 1 otherwise)");
  Scope keys_scope;
  CLI::App* keys = app.add_subcommand("keys", "list every key with its state");
  AddScope(keys, &keys_scope, "keys");
  Scope reset_scope;
  CLI::App* reset = app.add_subcommand(
      "reset", "delete every key, alias and grant (of one account and region when given)");
  AddScope(reset, &reset_scope, "keys");
  std::string advance;
  CLI::App* clock = app.add_subcommand(
      "clock", "print the test clock and its offset; +SECONDS moves it forward (--test-clock)");
  clock->add_option("advance", advance, "+SECONDS to move the clock forward");
  bool follow = false;
  int limit = 0;
  CLI::App* tail = app.add_subcommand("tail", "print the latest request records, one per line");
  tail->add_flag("--follow,-f", follow, "then print new records as they come, until interrupted");
  tail->add_option("--limit,-n", limit, "how many of the latest records (0: every one kept)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);

  std::string seed_file;
  CLI::App* apply_seed = app.add_subcommand(
      "apply-seed", "create the keys, aliases, tags and policies of a seed file (trentd --seed's "
                    "YAML) that do not exist yet");
  apply_seed->add_option("file", seed_file, "the seed file")->required();

  CLI::App* kms = app.add_subcommand(
      "kms", "send any KMS operation; prints the answer as its AWS JSON document");
  std::string operation;
  std::string request = "{}";
  kms->add_option("operation", operation, "the operation, e.g. Encrypt")->required();
  kms->add_option("request", request,
                  "the request as AWS JSON (blobs base64), e.g. '{\"KeyId\":\"alias/x\"}'")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  options.timeout = std::chrono::seconds(timeout_seconds);
  options.channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());

  if (kms->parsed()) return RunKms(options, operation, request);
  if (keys->parsed()) return RunKeys(options, keys_scope);
  if (reset->parsed()) return RunReset(options, reset_scope);
  if (tail->parsed()) return RunTail(options, limit, follow);
  if (apply_seed->parsed()) return RunApplySeed(options, seed_file);
  if (clock->parsed()) {
    std::optional<int64_t> seconds;
    if (!advance.empty()) {
      seconds = Advance(advance);
      if (!seconds) {
        std::cerr << "trentctl: clock " << advance << ": expected +SECONDS, e.g. +3600\n";
        return kExitUsage;
      }
    }
    return RunClock(options, seconds);
  }
  return RunHealth(options);
}
