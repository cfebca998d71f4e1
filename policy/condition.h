// The Condition element of a policy statement: one operator, one key, the policy's values,
// compiled once (numbers, dates, CIDR ranges) and tested per request. Semantics from IAM's
// policy elements reference (Condition operators; set operators for multivalued keys):
// - several values for one key are ORed; several keys, and several operators, are ANDed;
// - a key the request does not have makes a positive operator false and a negated one
//   (StringNotEquals, ArnNotLike, NotIpAddress, ...) true; ...IfExists makes it true;
//   ForAllValues holds for an absent or empty key, ForAnyValue does not;
// - with ForAnyValue/ForAllValues a negated operator is applied to each request value.
// Policy variables (${aws:username}, ...) are not substituted: such a value is compared as
// written.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"

namespace trent::policy {

enum class ConditionOp : uint8_t {
  kStringEquals, kStringNotEquals, kStringEqualsIgnoreCase, kStringNotEqualsIgnoreCase,
  kStringLike, kStringNotLike,
  kNumericEquals, kNumericNotEquals, kNumericLessThan, kNumericLessThanEquals,
  kNumericGreaterThan, kNumericGreaterThanEquals,
  kDateEquals, kDateNotEquals, kDateLessThan, kDateLessThanEquals, kDateGreaterThan,
  kDateGreaterThanEquals,
  kBool, kBinaryEquals, kNull,
  kArnEquals, kArnLike, kArnNotEquals, kArnNotLike,
  kIpAddress, kNotIpAddress,
};

// How a condition treats the several values of a multi-valued key.
enum class SetQualifier : uint8_t {
  kNone,          // each request value is tested (a single-valued key has one)
  kForAnyValue,   // at least one request value matches some policy value
  kForAllValues,  // every request value matches some policy value (true for no values)
};

// One policy value, in the form its operator compares.
struct ConditionValue {
  std::string text;         // as written
  double number = 0;        // Numeric*
  int64_t time = 0;         // Date*: seconds since the epoch
  uint8_t ip[16] = {};      // IpAddress: the network, IPv4 in the first 4 bytes
  uint8_t prefix_bits = 0;  //   its prefix length
  bool ipv6 = false;
};

struct Condition {
  ConditionOp op = ConditionOp::kStringEquals;
  SetQualifier qualifier = SetQualifier::kNone;
  bool if_exists = false;
  std::string key;  // as the policy writes it
  std::vector<ConditionValue> values;
};

// Compiles one `"<operator>": {"<key>": <values>}` entry (values already strings; JSON
// numbers and booleans in their JSON spelling) and appends it to `out`.
// MalformedPolicyDocumentException for an unknown operator or a value it cannot compare.
Status CompileCondition(std::string_view op, std::string_view key,
                        std::vector<std::string> values, std::vector<Condition>& out);

// Whether `condition` holds for the request's values.
bool ConditionHolds(const Condition& condition, const ConditionValues& request);

}  // namespace trent::policy
