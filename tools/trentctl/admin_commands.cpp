#include "tools/trentctl/admin_commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "common/bytes.h"
#include "tools/trentctl/table.h"
#include "trent/v1/admin.grpc.pb.h"

namespace trent::ctl {
namespace {

namespace v1 = trent::v1;
using google::protobuf::util::TimeUtil;

constexpr const char* kServing = "SERVING";

// One line of protobuf's JSON mapping, the form of the admin API over HTTP (/_trent/v1/...).
void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions json;
  json.always_print_primitive_fields = true;
  std::string text;
  // Serializing a message the client just parsed cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &text, json);
  std::cout << text << "\n";
}

std::string Time(const google::protobuf::Timestamp& t) { return TimeUtil::ToString(t); }

std::string Joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

template <typename Request>
void SetScope(const Scope& scope, Request* request) {
  if (scope.account) request->set_account(*scope.account);
  if (scope.region) request->set_region(*scope.region);
}

// The seed may hold key material.
void WipeSeed(v1::ApplySeedRequest& request) {
  SecureWipe(request.mutable_yaml()->data(), request.yaml().size());
}

std::unique_ptr<v1::Admin::Stub> Admin(const Options& options) {
  return v1::Admin::NewStub(options.channel);
}

void PrintRecord(const v1::RequestRecord& r) {
  std::vector<std::string> keys(r.key_arns().begin(), r.key_arns().end());
  std::string caller = r.principal_arn().empty() ? "-" : r.principal_arn();
  std::string outcome = r.error_code().empty() ? "OK" : r.error_code() + ": " + r.error_message();
  char latency[32];
  std::snprintf(latency, sizeof latency, "%.2fms", static_cast<double>(r.latency_us()) / 1000);
  std::cout << Time(r.time()) << "  " << r.frontend() << "  "
            << (r.operation().empty() ? "-" : r.operation()) << "  " << caller << "  "
            << (keys.empty() ? "-" : Joined(keys, ",")) << "  " << latency << "  " << outcome
            << "\n";
}

// The whole file at `path` into `text`, read into memory sized once, so that no copy of it
// (it may hold key material) is left behind by a reallocation; false when it cannot be read.
bool ReadWhole(const std::string& path, std::string& text) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const std::streamoff size = in.tellg();
  if (size < 0) return false;
  text.resize(static_cast<size_t>(size));
  in.seekg(0);
  return static_cast<bool>(in.read(text.data(), size));
}

}  // namespace

int RunHealth(const Options& options) {
  v1::HealthResponse answer;
  const grpc::Status status =
      Admin(options)->Health(NewContext(options).get(), v1::HealthRequest(), &answer);
  if (!status.ok()) return ReportFailure(status);
  if (options.json) {
    PrintJson(answer);
  } else {
    std::cout << answer.status() << "\n"
              << "version: " << answer.version() << "\n"
              << "hsm: " << answer.hsm() << "\n"
              << "keys: " << answer.key_count() << "\n"
              << "test clock: " << (answer.test_clock() ? "on" : "off") << "\n";
  }
  return answer.status() == kServing ? kExitOk : kExitServerError;
}

int RunKeys(const Options& options, const Scope& scope) {
  v1::ListKeyStatesRequest request;
  SetScope(scope, &request);
  v1::ListKeyStatesResponse answer;
  const grpc::Status status =
      Admin(options)->ListKeyStates(NewContext(options).get(), request, &answer);
  if (!status.ok()) return ReportFailure(status);
  if (options.json) {
    PrintJson(answer);
    return kExitOk;
  }
  Table table({"KEY ID", "ACCOUNT", "REGION", "STATE", "SPEC", "USAGE", "CREATED", "ROTATION",
               "VERSIONS", "GRANTS", "ALIASES"});
  for (const v1::KeyState& key : answer.keys()) {
    std::vector<std::string> aliases;
    for (const auto& alias : key.aliases()) aliases.push_back(alias.name());
    std::string state = key.state();
    if (key.has_deletion_date()) state += " (until " + Time(key.deletion_date()) + ")";
    table.AddRow({key.key_id(), key.account(), key.region(), state, key.key_spec(),
                  key.key_usage(), Time(key.creation_date()),
                  key.has_rotation_period_days()
                      ? std::to_string(key.rotation_period_days()) + "d"
                      : "-",
                  std::to_string(key.versions_size()), std::to_string(key.grants_size()),
                  aliases.empty() ? "-" : Joined(aliases, ",")});
  }
  table.Print(std::cout);
  return kExitOk;
}

int RunReset(const Options& options, const Scope& scope) {
  v1::ResetRequest request;
  SetScope(scope, &request);
  v1::ResetResponse answer;
  const grpc::Status status = Admin(options)->Reset(NewContext(options).get(), request, &answer);
  if (!status.ok()) return ReportFailure(status);
  if (options.json) {
    PrintJson(answer);
  } else {
    std::cout << "deleted " << answer.keys_deleted()
              << (answer.keys_deleted() == 1 ? " key" : " keys") << "\n";
  }
  return kExitOk;
}

int RunClock(const Options& options, std::optional<int64_t> advance_seconds) {
  v1::ClockResponse answer;
  grpc::Status status;
  if (advance_seconds) {
    v1::AdvanceClockRequest request;
    request.set_seconds(*advance_seconds);
    status = Admin(options)->AdvanceClock(NewContext(options).get(), request, &answer);
  } else {
    status = Admin(options)->GetClock(NewContext(options).get(), v1::GetClockRequest(), &answer);
  }
  if (!status.ok()) return ReportFailure(status);
  if (options.json) {
    PrintJson(answer);
  } else {
    std::cout << Time(answer.now()) << " (offset +" << answer.offset_seconds() << " s)\n";
  }
  return kExitOk;
}

int RunTail(const Options& options, int limit, bool follow) {
  v1::StreamRecordsRequest request;
  request.set_limit(limit);
  request.set_follow(follow);
  // Following has no deadline: it streams until the user interrupts trentctl.
  auto context = NewContext(options, /*deadline=*/!follow);
  std::unique_ptr<grpc::ClientReader<v1::RequestRecord>> reader =
      Admin(options)->StreamRecords(context.get(), request);
  v1::RequestRecord record;
  while (reader->Read(&record)) {
    if (options.json) {
      PrintJson(record);
    } else {
      PrintRecord(record);
    }
    std::cout.flush();
  }
  const grpc::Status status = reader->Finish();
  return status.ok() ? kExitOk : ReportFailure(status);
}

int RunApplySeed(const Options& options, const std::string& path) {
  v1::ApplySeedRequest request;
  if (!ReadWhole(path, *request.mutable_yaml())) {
    std::cerr << "trentctl: apply-seed: cannot read " << path << "\n";
    WipeSeed(request);
    return kExitUsage;
  }
  v1::ApplySeedResponse answer;
  const grpc::Status status =
      Admin(options)->ApplySeed(NewContext(options).get(), request, &answer);
  WipeSeed(request);
  if (!status.ok()) return ReportFailure(status);
  if (options.json) {
    PrintJson(answer);
  } else {
    std::cout << "keys: " << answer.keys_created() << " created, " << answer.keys_existing()
              << " existing\n"
              << "aliases: " << answer.aliases_created() << " created, "
              << answer.aliases_existing() << " existing\n";
  }
  return kExitOk;
}

}  // namespace trent::ctl
