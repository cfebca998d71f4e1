#include "policy/condition.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "policy/arn.h"
#include "policy/messages.h"
#include "policy/wildcard.h"

namespace trent::policy {
namespace {

struct OpName {
  std::string_view name;
  ConditionOp op;
};

constexpr std::array kOps = {
    OpName{"StringEquals", ConditionOp::kStringEquals},
    OpName{"StringNotEquals", ConditionOp::kStringNotEquals},
    OpName{"StringEqualsIgnoreCase", ConditionOp::kStringEqualsIgnoreCase},
    OpName{"StringNotEqualsIgnoreCase", ConditionOp::kStringNotEqualsIgnoreCase},
    OpName{"StringLike", ConditionOp::kStringLike},
    OpName{"StringNotLike", ConditionOp::kStringNotLike},
    OpName{"NumericEquals", ConditionOp::kNumericEquals},
    OpName{"NumericNotEquals", ConditionOp::kNumericNotEquals},
    OpName{"NumericLessThan", ConditionOp::kNumericLessThan},
    OpName{"NumericLessThanEquals", ConditionOp::kNumericLessThanEquals},
    OpName{"NumericGreaterThan", ConditionOp::kNumericGreaterThan},
    OpName{"NumericGreaterThanEquals", ConditionOp::kNumericGreaterThanEquals},
    OpName{"DateEquals", ConditionOp::kDateEquals},
    OpName{"DateNotEquals", ConditionOp::kDateNotEquals},
    OpName{"DateLessThan", ConditionOp::kDateLessThan},
    OpName{"DateLessThanEquals", ConditionOp::kDateLessThanEquals},
    OpName{"DateGreaterThan", ConditionOp::kDateGreaterThan},
    OpName{"DateGreaterThanEquals", ConditionOp::kDateGreaterThanEquals},
    OpName{"Bool", ConditionOp::kBool},
    OpName{"BinaryEquals", ConditionOp::kBinaryEquals},
    OpName{"Null", ConditionOp::kNull},
    OpName{"ArnEquals", ConditionOp::kArnEquals},
    OpName{"ArnLike", ConditionOp::kArnLike},
    OpName{"ArnNotEquals", ConditionOp::kArnNotEquals},
    OpName{"ArnNotLike", ConditionOp::kArnNotLike},
    OpName{"IpAddress", ConditionOp::kIpAddress},
    OpName{"NotIpAddress", ConditionOp::kNotIpAddress},
};

// The operators that match when no policy value matches (each request value, for the set
// qualifiers): StringNotEquals is "not StringEquals".
bool IsNegated(ConditionOp op) {
  switch (op) {
    case ConditionOp::kStringNotEquals:
    case ConditionOp::kStringNotEqualsIgnoreCase:
    case ConditionOp::kStringNotLike:
    case ConditionOp::kNumericNotEquals:
    case ConditionOp::kDateNotEquals:
    case ConditionOp::kArnNotEquals:
    case ConditionOp::kArnNotLike:
    case ConditionOp::kNotIpAddress:
      return true;
    default:
      return false;
  }
}

bool ParseNumber(std::string_view s, double& out) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// A date as the Date operators take it: seconds since the epoch ("1700000000"), or ISO 8601:
// "2024-01-31", "2024-01-31T12:00Z", "2024-01-31T12:00:00Z", with fractions of a second
// and a "+hh:mm" / "-hh:mm" offset in place of "Z".
bool ParseDate(std::string_view s, int64_t& out) {
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (s.size() > 12) return false;
    out = 0;
    for (char c : s) out = out * 10 + (c - '0');
    return true;
  }
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!Digits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, month) ||
      s[7] != '-' || !Digits(s, 8, 2, day) || month < 1 || month > 12 || day < 1 || day > 31) {
    return false;
  }
  size_t pos = 10;
  int64_t offset = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' || !Digits(s, pos + 1, 2, hour) || pos + 3 >= s.size() ||
        s[pos + 3] != ':' || !Digits(s, pos + 4, 2, minute)) {
      return false;
    }
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!Digits(s, pos + 1, 2, second)) return false;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
        if (pos == start) return false;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return false;
    if (pos == s.size()) return false;  // a time needs its zone
    if (s[pos] == 'Z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      int oh, om;
      if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
          !Digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
        return false;
      }
      offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      pos += 6;
    } else {
      return false;
    }
    if (pos != s.size()) return false;
  }
  out = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return true;
}

// An address ("203.0.113.7", "2001:db8::1") or a CIDR range ("203.0.113.0/24").
bool ParseIp(std::string_view s, ConditionValue& out) {
  const size_t slash = s.find('/');
  const std::string_view address = s.substr(0, slash);
  if (address.empty() || address.size() > 45) return false;
  char buffer[46];
  std::memcpy(buffer, address.data(), address.size());
  buffer[address.size()] = '\0';
  std::memset(out.ip, 0, sizeof(out.ip));
  int max_bits;
  if (inet_pton(AF_INET, buffer, out.ip) == 1) {
    out.ipv6 = false;
    max_bits = 32;
  } else if (inet_pton(AF_INET6, buffer, out.ip) == 1) {
    out.ipv6 = true;
    max_bits = 128;
  } else {
    return false;
  }
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = s.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || bits < 0 ||
        bits > max_bits) {
      return false;
    }
  }
  out.prefix_bits = static_cast<uint8_t>(bits);
  return true;
}

bool InRange(const ConditionValue& range, const ConditionValue& ip) {
  if (range.ipv6 != ip.ipv6) return false;
  const int full = range.prefix_bits / 8, rest = range.prefix_bits % 8;
  if (std::memcmp(range.ip, ip.ip, full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (range.ip[full] & mask) == (ip.ip[full] & mask);
}

// ArnEquals and ArnLike alike: each of the six parts matched on its own, with wildcards
// (IAM condition operators reference, "Amazon Resource Name (ARN) condition operators").
bool ArnMatches(std::string_view pattern, std::string_view value) {
  ArnParts p, v;
  if (!SplitArn(pattern, p) || !SplitArn(value, v)) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!WildcardMatch(p[i], v[i])) return false;
  }
  return true;
}

// Whether one request value matches one policy value under the operator's positive form.
bool MatchesOne(ConditionOp op, const ConditionValue& policy, std::string_view value) {
  switch (op) {
    case ConditionOp::kStringEquals:
    case ConditionOp::kStringNotEquals:
    case ConditionOp::kBinaryEquals:
      return policy.text == value;
    case ConditionOp::kStringEqualsIgnoreCase:
    case ConditionOp::kStringNotEqualsIgnoreCase:
      return EqualsIgnoreCase(policy.text, value);
    case ConditionOp::kStringLike:
    case ConditionOp::kStringNotLike:
      return WildcardMatch(policy.text, value);
    case ConditionOp::kBool:
      return EqualsIgnoreCase(policy.text, value);
    case ConditionOp::kArnEquals:
    case ConditionOp::kArnLike:
    case ConditionOp::kArnNotEquals:
    case ConditionOp::kArnNotLike:
      return ArnMatches(policy.text, value);
    case ConditionOp::kIpAddress:
    case ConditionOp::kNotIpAddress: {
      ConditionValue ip;
      return ParseIp(value, ip) && InRange(policy, ip);
    }
    case ConditionOp::kNull:
      return false;  // decided on presence alone (ConditionHolds)
    default:
      break;
  }
  double number;
  int64_t time;
  switch (op) {
    case ConditionOp::kNumericEquals:
    case ConditionOp::kNumericNotEquals:
      return ParseNumber(value, number) && number == policy.number;
    case ConditionOp::kNumericLessThan:
      return ParseNumber(value, number) && number < policy.number;
    case ConditionOp::kNumericLessThanEquals:
      return ParseNumber(value, number) && number <= policy.number;
    case ConditionOp::kNumericGreaterThan:
      return ParseNumber(value, number) && number > policy.number;
    case ConditionOp::kNumericGreaterThanEquals:
      return ParseNumber(value, number) && number >= policy.number;
    case ConditionOp::kDateEquals:
    case ConditionOp::kDateNotEquals:
      return ParseDate(value, time) && time == policy.time;
    case ConditionOp::kDateLessThan:
      return ParseDate(value, time) && time < policy.time;
    case ConditionOp::kDateLessThanEquals:
      return ParseDate(value, time) && time <= policy.time;
    case ConditionOp::kDateGreaterThan:
      return ParseDate(value, time) && time > policy.time;
    case ConditionOp::kDateGreaterThanEquals:
      return ParseDate(value, time) && time >= policy.time;
    default:
      return false;
  }
}

// Whether a request value matches any of the condition's values (the policy's values are ORed).
bool MatchesAny(const Condition& c, std::string_view value) {
  return std::any_of(c.values.begin(), c.values.end(),
                     [&](const ConditionValue& p) { return MatchesOne(c.op, p, value); });
}

}  // namespace

Status CompileCondition(std::string_view op_text, std::string_view key,
                        std::vector<std::string> values, std::vector<Condition>& out) {
  Condition c;
  std::string_view name = op_text;
  constexpr std::string_view kAny = "ForAnyValue:", kAll = "ForAllValues:", kIfExists = "IfExists";
  if (name.starts_with(kAny)) {
    c.qualifier = SetQualifier::kForAnyValue;
    name.remove_prefix(kAny.size());
  } else if (name.starts_with(kAll)) {
    c.qualifier = SetQualifier::kForAllValues;
    name.remove_prefix(kAll.size());
  }
  if (name.ends_with(kIfExists)) {
    c.if_exists = true;
    name.remove_suffix(kIfExists.size());
  }
  const auto found = std::find_if(kOps.begin(), kOps.end(),
                                  [&](const OpName& o) { return o.name == name; });
  if (found == kOps.end()) return messages::Malformed(messages::kUnknownConditionOperator);
  c.op = found->op;
  if (c.op == ConditionOp::kNull && (c.if_exists || c.qualifier != SetQualifier::kNone)) {
    return messages::Malformed(messages::kUnknownConditionOperator);
  }
  if (key.empty() || values.empty()) return messages::Malformed(messages::kInvalidCondition);
  c.key = std::string(key);
  for (std::string& text : values) {
    ConditionValue v;
    bool valid = true;
    switch (c.op) {
      case ConditionOp::kNumericEquals:
      case ConditionOp::kNumericNotEquals:
      case ConditionOp::kNumericLessThan:
      case ConditionOp::kNumericLessThanEquals:
      case ConditionOp::kNumericGreaterThan:
      case ConditionOp::kNumericGreaterThanEquals:
        valid = ParseNumber(text, v.number);
        break;
      case ConditionOp::kDateEquals:
      case ConditionOp::kDateNotEquals:
      case ConditionOp::kDateLessThan:
      case ConditionOp::kDateLessThanEquals:
      case ConditionOp::kDateGreaterThan:
      case ConditionOp::kDateGreaterThanEquals:
        valid = ParseDate(text, v.time);
        break;
      case ConditionOp::kIpAddress:
      case ConditionOp::kNotIpAddress:
        valid = ParseIp(text, v);
        break;
      case ConditionOp::kBool:
      case ConditionOp::kNull:
        valid = EqualsIgnoreCase(text, "true") || EqualsIgnoreCase(text, "false");
        break;
      default:
        break;
    }
    if (!valid) return messages::Malformed(messages::kInvalidConditionValue);
    v.text = std::move(text);
    c.values.push_back(std::move(v));
  }
  out.push_back(std::move(c));
  return Status::Ok();
}

bool ConditionHolds(const Condition& c, const ConditionValues& request) {
  const std::optional<std::vector<std::string>> values = request.Get(c.key);
  if (c.op == ConditionOp::kNull) {
    // "true": the key is absent; "false": present. A key with no values counts as absent.
    const bool absent = !values.has_value() || values->empty();
    return EqualsIgnoreCase(c.values.front().text, "true") == absent;
  }
  const bool negated = IsNegated(c.op);
  if (!values.has_value()) {
    // IfExists: no key, no test. ForAllValues holds for no values; ForAnyValue does not.
    // Otherwise a negated operator holds (nothing equals) and a positive one does not.
    if (c.if_exists) return true;
    switch (c.qualifier) {
      case SetQualifier::kForAllValues: return true;
      case SetQualifier::kForAnyValue: return false;
      case SetQualifier::kNone: return negated;
    }
  }
  // A negated operator matches a request value that matches none of the policy's values.
  auto matches = [&](const std::string& v) { return MatchesAny(c, v) != negated; };
  switch (c.qualifier) {
    case SetQualifier::kForAllValues:
      return std::all_of(values->begin(), values->end(), matches);
    case SetQualifier::kForAnyValue:
      return std::any_of(values->begin(), values->end(), matches);
    case SetQualifier::kNone:
      break;
  }
  // Without a qualifier a negated operator holds when no request value matches a policy value,
  // a positive one when some does.
  const bool any = std::any_of(values->begin(), values->end(),
                               [&](const std::string& v) { return MatchesAny(c, v); });
  return any != negated;
}

}  // namespace trent::policy
