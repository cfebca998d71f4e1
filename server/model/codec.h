// The AWS JSON 1.1 codec, driven by the KMS service model (see service_model.h, generated
// by scripts/gen-model from botocore's service-2.json).
#pragma once

#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "common/status.h"

namespace trent::model {

struct Operation;  // one row of the generated operation table

// nullptr when `name` (e.g. "Encrypt") is not an operation of the service model.
const Operation* FindOperation(std::string_view name);

// Parses `body` as the input of `op`:
//  - malformed JSON, a non-object, or a member of the wrong JSON type -> SerializationException
//  - blob members are base64-decoded in place (the string then holds the raw bytes);
//    invalid base64 -> SerializationException
//  - every constraint of the model (required, length, range, enum, pattern) is checked,
//    all violations reported in one ValidationException with AWS's message form; the message
//    counts them all but lists only the first few, with long values cut (a few KiB at most).
// Members the model does not know are ignored, JSON nulls count as absent, as AWS does.
// An empty body counts as {}.
// The object returned keeps the JSON member names ("KeyId"); null members and null list/map
// elements are removed; integer/long members are int64 (fractions truncated, as AWS does),
// timestamp/double members are double; blobs hold raw bytes. The object owns its memory, which
// is wiped when the object goes away (as is every copy made while parsing).
Result<boost::json::object> DecodeRequest(const Operation& op, std::string_view body);

// How blob members are held in an object given to ValidateRequest.
enum class BlobForm {
  kBase64,  // as on the AWS JSON wire: decoded in place by the validation
  kRaw,     // already the bytes (a typed frontend such as gRPC decoded them)
};

// The checks of DecodeRequest on a request another frontend has already turned into JSON
// values (gRPC: from its protobuf message), with the same errors: `input` is converted in place
// as DecodeRequest converts it.
Status ValidateRequest(const Operation& op, boost::json::object& input, BlobForm blobs);

// Memory for a request's JSON tree, as DecodeRequest uses: one arena of about `size_hint` bytes
// freed in one go, every block wiped when freed (requests carry plaintext).
boost::json::storage_ptr RequestStorage(size_t size_hint);

// A ValidationException for a rule the service enforces beyond the model (e.g. a narrower
// range), in the same words the decoder uses: "1 validation error detected: Value <shown> at
// '<path>' failed to satisfy constraint: <constraint>". `shown` is "null", a quoted value
// ('7'), or empty when the value is not to be shown.
Status ValidationFailure(std::string_view shown, std::string_view path,
                         std::string_view constraint);

// The JSON text of an operation's output, in a buffer that leaves no copy behind as it grows;
// then wipes every string of `output` (outputs carry plaintext and data keys as base64). The
// caller wipes the text once it is written.
std::string EncodeResponse(boost::json::object& output);

// Wipes every string of `output`, as EncodeResponse does: for an output that is not sent.
void WipeOutput(boost::json::object& output);

// {"__type":"<AwsErrorType>","message":"<message>"}; {"__type":"<AwsErrorType>"} alone when the
// message is empty, as AWS sends InvalidCiphertextException.
std::string EncodeError(const Status& status);

// The HTTP status AWS answers an error of this code with, on the AWS JSON protocol.
int HttpStatusOf(ErrorCode code);

}  // namespace trent::model
