// The request decoder with the error encoder, for every operation of the KMS model: the first
// input byte picks the operation, the rest is the request body. Decoding must never crash, and
// an error answer must stay proportional to the request (issue 10, defect 2). What the audit log
// keeps of a decoded request (model::LoggableView) is never more than the request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json/serialize.hpp>

#include "server/model/codec.h"
#include "server/model/loggable.h"
#include "server/model/service_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto ops = trent::model::Operations();
  const trent::model::Operation& op = ops[data[0] % ops.size()];
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto decoded = trent::model::DecodeRequest(op, body);
  if (decoded.ok()) {
    // What the audit log would keep: names keep their length and values their text, but
    // numbers may be written longer ("1.5E0" for 1.5): within twice the request, and never past
    // the view's budget.
    const std::string logged =
        boost::json::serialize(trent::model::LoggableView(op.input, *decoded));
    if (logged.size() > 2 * body.size() + 64 ||
        logged.size() > 2 * trent::model::kLoggableBudget + 64) {
      std::abort();
    }
    trent::model::EncodeResponse(*decoded);  // blobs hold raw bytes: any bytes must serialize
    return 0;
  }
  const std::string answer = trent::model::EncodeError(decoded.status());
  // The message lists violations until 2 KiB (plus the one that passes it, at most a 512-byte
  // value, a path and a constraint of the model): about 4.5 KiB. JSON escaping can make a
  // control character shown from the request 6 bytes, hence the factor on the input.
  if (answer.size() > 6 * size + 8192 || answer.size() > 32768) std::abort();
  return 0;
}
