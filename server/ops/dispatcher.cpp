#include "server/ops/dispatcher.h"

#include <algorithm>
#include <array>
#include <utility>

#include "server/model/codec.h"
#include "server/ops/handlers.h"

namespace trent::ops {
namespace {

// Whether an operation may block its thread: those that write wait for the write to be durable.
enum class Blocking { kNo, kWrites };

struct Route {
  std::string_view name;
  Handler handler;
  Blocking blocking;
};

// The implemented operations, sorted by name. Every other operation of the service model
// answers UnsupportedOperationException.
constexpr std::array<Route, 13> kHandlers = {{
    {"CancelKeyDeletion", CancelKeyDeletion, Blocking::kWrites},
    {"CreateKey", CreateKey, Blocking::kWrites},
    {"Decrypt", Decrypt, Blocking::kNo},
    {"DescribeKey", DescribeKey, Blocking::kNo},
    {"DisableKey", DisableKey, Blocking::kWrites},
    {"EnableKey", EnableKey, Blocking::kWrites},
    {"Encrypt", Encrypt, Blocking::kNo},
    {"GenerateDataKey", GenerateDataKey, Blocking::kNo},
    {"GenerateDataKeyWithoutPlaintext", GenerateDataKeyWithoutPlaintext, Blocking::kNo},
    {"GenerateRandom", GenerateRandom, Blocking::kNo},
    {"ListKeys", ListKeys, Blocking::kNo},
    {"ReEncrypt", ReEncrypt, Blocking::kNo},
    {"ScheduleKeyDeletion", ScheduleKeyDeletion, Blocking::kWrites},
}};

const Route* FindRoute(std::string_view operation) {
  auto it = std::lower_bound(
      kHandlers.begin(), kHandlers.end(), operation,
      [](const Route& route, std::string_view name) { return route.name < name; });
  return it != kHandlers.end() && it->name == operation ? &*it : nullptr;
}

Handler FindHandler(std::string_view operation) {
  const Route* route = FindRoute(operation);
  return route ? route->handler : nullptr;
}

ApiResponse ErrorResponse(const Status& status) {
  return {HttpStatusOf(status.code()), model::EncodeError(status)};
}

}  // namespace

bool Dispatcher::Blocks(std::string_view operation) {
  const Route* route = FindRoute(operation);
  return route && route->blocking == Blocking::kWrites;
}

ApiResponse Dispatcher::Dispatch(const RequestMeta& meta, std::string_view body) const {
  const model::Operation* op = model::FindOperation(meta.operation);
  if (!op) {
    return ErrorResponse({ErrorCode::kUnknownOperation,
                          "Operation " + std::string(meta.operation) + " is not a KMS operation."});
  }
  auto input = model::DecodeRequest(*op, body);
  if (!input.ok()) return ErrorResponse(input.status());
  Handler handler = FindHandler(meta.operation);
  if (!handler) {
    return ErrorResponse(UnsupportedError("trent does not implement " +
                                          std::string(meta.operation) + " yet."));
  }
  Call call{services_.default_account, meta.region, meta.access_key_id, meta.request_id,
            meta.source_ip, services_.clock.NowMillis()};
  auto output = handler(call, *input, services_);
  if (!output.ok()) return ErrorResponse(output.status());
  return {200, boost::json::serialize(*output)};
}

}  // namespace trent::ops
