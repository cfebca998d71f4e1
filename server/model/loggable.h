// What of a request or a response may be written to an audit record: the members as CloudTrail
// names them (lowerCamelCase, the model's validation path names), without any blob (plaintexts,
// ciphertexts, data keys, private keys, signatures, MACs, shared secrets), without any value of
// a shape the model marks sensitive, and without grant tokens.
#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/json/value.hpp>

namespace trent::model {

// Records are kept in memory (the admin API's recent records and its subscribers' queues), so a
// view holds at most about this many bytes of names and text; what comes after is left out.
inline constexpr size_t kLoggableBudget = 16 * 1024;

// `value` read as a value of shape `shape` (an index into Shapes()); null when `shape` is
// kNoShape or nothing loggable is left. Members the shape does not have are left out.
boost::json::value LoggableView(uint16_t shape, const boost::json::value& value);

}  // namespace trent::model
