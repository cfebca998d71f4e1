// Between protobuf messages of proto/trent/v1 and AWS JSON objects, by reflection. The messages
// name each field's AWS member in its json_name (scripts/gen-model), so one walk serves every
// operation: the gRPC frontend turns requests into the objects the operation layer validates
// and answers into messages; trentctl turns AWS JSON typed by a user into requests and answers
// back into AWS JSON.
#pragma once

#include <boost/json.hpp>

#include "common/status.h"

namespace google::protobuf {
class Message;
}

namespace trent::pbjson {

// How bytes fields appear in the JSON object.
enum class Blobs {
  kRaw,     // the bytes themselves (what the codec holds once it has validated a request)
  kBase64,  // base64 text, as on the AWS JSON wire
};

// Adds to `out` every field set in `message` under its json_name: strings, booleans and numbers
// as JSON values (32- and 64-bit integers as int64), bytes as `blobs` says, Timestamps as epoch
// seconds, messages as objects, repeated fields as arrays, maps as objects. Fields not set are
// left out, as AWS JSON leaves out absent members. Values are allocated from out's storage.
void ToJson(const google::protobuf::Message& message, boost::json::object& out, Blobs blobs);

// Sets the fields of `message` from an AWS JSON object (bytes as base64 text, timestamps as epoch
// seconds). Members no field names are ignored, and JSON nulls count as absent, as AWS does;
// a value of the wrong type, a number out of its field's range or bad base64 is a
// SerializationException naming the member.
Status FromJson(const boost::json::object& in, google::protobuf::Message* message);

}  // namespace trent::pbjson
