// trent's own answers checked against the output shapes of the service model, so that a
// misspelled or mistyped member fails a test run instead of reaching an SDK. The dispatcher
// calls it on every successful answer in builds configured with -DTRENT_CHECK_RESPONSES=ON
// (scripts/test); release and benchmark builds leave it out.
#pragma once

#include <boost/json.hpp>

#include "common/status.h"

namespace trent::model {

struct Operation;  // one row of the generated operation table

// OK when `output`, the object about to be encoded as the answer of `op`, is one the model's
// output shape allows:
//  - every member is a member of its structure (names are case-sensitive), and no value is
//    JSON null (AWS leaves absent members out);
//  - every required member is there (few are: KeyMetadata.KeyId, Tag.TagKey, Tag.TagValue);
//  - every value has its shape's JSON type: structures and maps are objects, lists arrays,
//    strings strings, blobs base64 strings, booleans booleans, integers and longs JSON
//    integers in their range, doubles and timestamps (epoch seconds) finite numbers;
//  - string values of an enum shape are among its values;
//  - nested structures, list elements and map values are checked the same way.
// An operation the model gives no output answers {}.
// Otherwise an InternalError naming the operation, the first problem and where it is as a
// JSON path, e.g. "DescribeKey: $.KeyMetadata.KeyStat is not a member of KeyMetadata". The
// message shows no value but a rejected enum value (outputs carry plaintext and data keys).
// Lengths, ranges and patterns of the model are not checked: they describe the values AWS
// accepts, and SDKs do not check them on answers.
Status CheckResponse(const Operation& op, const boost::json::object& output);

}  // namespace trent::model
