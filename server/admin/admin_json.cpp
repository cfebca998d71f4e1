#include "server/admin/admin_json.h"

#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include <map>

#include "server/admin/access.h"
#include "server/admin/admin_service.h"
#include "server/model/codec.h"

namespace trent::admin {
namespace {

namespace pb = google::protobuf;

constexpr std::string_view kMethodPathPrefix = "/_trent/v1/";
constexpr int kOk = 200;
constexpr int kForbidden = 403;
constexpr int kNotFound = 404;

JsonAnswer Error(const Status& status, int http_status) {
  return {http_status, model::EncodeError(status)};
}

JsonAnswer Error(const Status& status) {
  return Error(status, status.code() == ErrorCode::kAccessDenied ? kForbidden
                                                                  : model::HttpStatusOf(status.code()));
}

// `body` (empty: {}) as `message`, fields of other names refused.
Status ParseJson(std::string_view body, pb::Message& message) {
  if (body.empty()) body = "{}";
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  pb::util::Status parsed =
      pb::util::JsonStringToMessage(pb::StringPiece(body.data(), body.size()), &message, options);
  if (!parsed.ok()) {
    return {ErrorCode::kSerialization, "The body is not a JSON " +
                                           message.GetDescriptor()->name() + " message: " +
                                           std::string(parsed.message().data(),
                                                       parsed.message().size())};
  }
  return Status::Ok();
}

// Every field printed, those at their default value too, so that answers have one shape; names
// in lowerCamelCase (protobuf's JSON mapping).
Result<std::string> PrintJson(const pb::Message& message) {
  pb::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string out;
  pb::util::Status printed = pb::util::MessageToJsonString(message, &out, options);
  if (!printed.ok()) return InternalError("cannot print an admin answer: " + printed.ToString());
  return out;
}

// One method: the request parsed, the service's answer printed.
template <typename Request, typename Method>
Result<std::string> Serve(std::string_view body, const Method& method) {
  Request request;
  TRY_STATUS(ParseJson(body, request));
  TRY(auto response, method(request));
  return PrintJson(response);
}

using JsonMethod = Result<std::string> (*)(AdminService&, std::string_view body);

Result<std::string> StreamRecords(AdminService& service, std::string_view body) {
  return Serve<v1::StreamRecordsRequest>(
      body, [&](const v1::StreamRecordsRequest& request) -> Result<v1::RequestRecords> {
        if (request.follow()) {
          return ValidationError(
              "follow is served over gRPC only (trent.v1.Admin/StreamRecords); over HTTP, "
              "StreamRecords answers the recent records.");
        }
        TRY(RecordStream stream, service.StreamRecords(request));
        v1::RequestRecords out;
        for (v1::RequestRecord& record : stream.recent) out.add_records()->Swap(&record);
        return out;
      });
}

// As Serve, and the seed's text wiped from the parsed request, applied or refused.
Result<std::string> ApplySeed(AdminService& service, std::string_view body) {
  v1::ApplySeedRequest request;
  Status parsed = ParseJson(body, request);
  Result<v1::ApplySeedResponse> applied =
      parsed.ok() ? service.ApplySeed(request) : Result<v1::ApplySeedResponse>(parsed);
  WipeSeedText(request);
  TRY(v1::ApplySeedResponse response, std::move(applied));
  return PrintJson(response);
}

const std::map<std::string_view, JsonMethod>& Methods() {
  static const std::map<std::string_view, JsonMethod> kMethods = {
      {"Health",
       [](AdminService& s, std::string_view body) {
         return Serve<v1::HealthRequest>(body, [&](const auto& r) { return s.Health(r); });
       }},
      {"Reset",
       [](AdminService& s, std::string_view body) {
         return Serve<v1::ResetRequest>(body, [&](const auto& r) { return s.Reset(r); });
       }},
      {"ListKeyStates",
       [](AdminService& s, std::string_view body) {
         return Serve<v1::ListKeyStatesRequest>(body,
                                                [&](const auto& r) { return s.ListKeyStates(r); });
       }},
      {"GetClock",
       [](AdminService& s, std::string_view body) {
         return Serve<v1::GetClockRequest>(body, [&](const auto& r) { return s.GetClock(r); });
       }},
      {"AdvanceClock",
       [](AdminService& s, std::string_view body) {
         return Serve<v1::AdvanceClockRequest>(body,
                                               [&](const auto& r) { return s.AdvanceClock(r); });
       }},
      {"StreamRecords", StreamRecords},
      {"ApplySeed", ApplySeed},
  };
  return kMethods;
}

}  // namespace

JsonAnswer DispatchJson(AdminService& service, std::string_view path, std::string_view body,
                        std::string_view peer_ip, bool allow_remote) {
  if (!AdminAllowed(peer_ip, allow_remote)) {
    spdlog::warn("admin API call from {} refused (not loopback; see --admin-allow-remote)",
                 peer_ip);
    return Error(AdminRefused(peer_ip));
  }
  const auto& methods = Methods();
  auto method = path.starts_with(kMethodPathPrefix)
                    ? methods.find(path.substr(kMethodPathPrefix.size()))
                    : methods.end();
  if (method == methods.end()) {
    return Error({ErrorCode::kUnknownOperation, "No admin method at " + std::string(path) + "."},
                 kNotFound);
  }
  Result<std::string> answer = method->second(service, body);
  if (!answer.ok()) return Error(answer.status());
  return {kOk, std::move(answer).value()};
}

}  // namespace trent::admin
