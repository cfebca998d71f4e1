#include "server/ops/dispatcher.h"

#include <algorithm>
#include <array>
#include <utility>

#include "server/model/codec.h"
#include "server/ops/handlers.h"

namespace trent::ops {
namespace {

// The implemented operations, sorted by name. Every other operation of the service model
// answers UnsupportedOperationException.
constexpr std::array<std::pair<std::string_view, Handler>, 13> kHandlers = {{
    {"CancelKeyDeletion", CancelKeyDeletion},
    {"CreateKey", CreateKey},
    {"Decrypt", Decrypt},
    {"DescribeKey", DescribeKey},
    {"DisableKey", DisableKey},
    {"EnableKey", EnableKey},
    {"Encrypt", Encrypt},
    {"GenerateDataKey", GenerateDataKey},
    {"GenerateDataKeyWithoutPlaintext", GenerateDataKeyWithoutPlaintext},
    {"GenerateRandom", GenerateRandom},
    {"ListKeys", ListKeys},
    {"ReEncrypt", ReEncrypt},
    {"ScheduleKeyDeletion", ScheduleKeyDeletion},
}};

Handler FindHandler(std::string_view operation) {
  auto it = std::lower_bound(kHandlers.begin(), kHandlers.end(), operation,
                             [](const auto& entry, std::string_view name) { return entry.first < name; });
  return it != kHandlers.end() && it->first == operation ? it->second : nullptr;
}

ApiResponse ErrorResponse(const Status& status) {
  return {HttpStatusOf(status.code()), model::EncodeError(status)};
}

}  // namespace

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
