// What of a request or a response may be written to an audit record: the members as CloudTrail
// names them (lowerCamelCase, the model's validation path names), without any blob (plaintexts,
// ciphertexts, data keys, private keys, signatures, MACs, shared secrets), without any value of
// a shape the model marks sensitive, and without grant tokens.
#pragma once

#include <cstdint>

#include <boost/json/value.hpp>

namespace trent::model {

// `value` read as a value of shape `shape` (an index into Shapes()); null when `shape` is
// kNoShape or nothing loggable is left. Members the shape does not have are left out.
boost::json::value LoggableView(uint16_t shape, const boost::json::value& value);

}  // namespace trent::model
