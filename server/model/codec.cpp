#include "server/model/codec.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "server/model/pattern.h"
#include "server/model/service_model.h"

namespace trent::model {
namespace json = boost::json;

const Operation* FindOperation(std::string_view name) {
  auto ops = Operations();
  auto it = std::lower_bound(ops.begin(), ops.end(), name,
                             [](const Operation& op, std::string_view n) { return op.name < n; });
  return it != ops.end() && it->name == name ? &*it : nullptr;
}

const char* OperationName(const Operation& op) { return op.name; }

namespace {

// The type-mismatch messages are the ones AWS's JSON 1.1 front end (Coral) sends; they do not
// name the member. Where AWS's wording is unknown (malformed JSON, numbers out of range, bad
// base64 in a sensitive member) the message is ours, naming the member where there is one.
constexpr std::string_view kListFound = "Start of list found where not expected";
constexpr std::string_view kObjectFound = "Start of structure or map found where not expected.";

// "Value <shown> at '<path>' failed to satisfy constraint: <constraint>"
void AppendViolation(std::string& out, std::string_view shown, std::string_view path,
                     std::string_view constraint) {
  out += "Value ";
  if (!shown.empty()) {
    out += shown;
    out += ' ';
  }
  out += "at '";
  out += path;
  out += "' failed to satisfy constraint: ";
  out += constraint;
}

Status ValidationErrors(int count, const std::string& violations) {
  return ValidationError(std::to_string(count) +
                         (count == 1 ? " validation error detected: " : " validation errors detected: ") +
                         violations);
}

// Deeper JSON is refused by the parser (no KMS input nests beyond 4 levels).
constexpr size_t kMaxDepth = 32;

// Compiled once, indexed like Shapes(); nullptr where a shape has no pattern.
const Pattern* PatternOf(const Shape& shape) {
  static const std::vector<std::optional<Pattern>> compiled = [] {
    std::vector<std::optional<Pattern>> out;
    for (const Shape& s : Shapes()) {
      out.push_back(s.pattern ? Pattern::Compile(s.pattern) : std::nullopt);
    }
    return out;
  }();
  const auto& p = compiled[&shape - Shapes().data()];
  return p ? &*p : nullptr;
}

// Length as Java counts it (UTF-16 code units): AWS's string lengths are Java String lengths.
size_t Utf16Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char b : s) {
    if ((b & 0xC0) != 0x80) ++n;  // a code point starts here
    if (b >= 0xF0) ++n;           // outside the BMP: a surrogate pair
  }
  return n;
}

// How Java's toString shows a value in a validation message: strings bare, lists [a, b],
// maps {k=v}.
void AppendJavaText(const json::value& v, std::string& out);

void AppendJavaText(const json::array& a, std::string& out) {
  out += '[';
  for (size_t i = 0; i < a.size(); ++i) {
    if (i) out += ", ";
    AppendJavaText(a[i], out);
  }
  out += ']';
}

void AppendJavaText(const json::object& o, std::string& out) {
  out += '{';
  bool first = true;
  for (const auto& kv : o) {
    if (!first) out += ", ";
    first = false;
    out.append(kv.key());
    out += '=';
    AppendJavaText(kv.value(), out);
  }
  out += '}';
}

void AppendJavaText(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::string:
      out.append(v.get_string());
      break;
    case json::kind::array:
      AppendJavaText(v.get_array(), out);
      break;
    case json::kind::object:
      AppendJavaText(v.get_object(), out);
      break;
    default:
      out += json::serialize(v);
  }
}

template <typename T>
std::string Quoted(const T& v) {
  std::string out = "'";
  AppendJavaText(v, out);
  out += '\'';
  return out;
}

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kBase64 = MakeBase64Table();

// Decodes standard padded base64 in place (the output never overtakes the input). When the
// text is not valid base64 it is left as it was, and `why` gets AWS's reason.
bool DecodeBase64InPlace(json::string& s, std::string& why) {
  const size_t n = s.size();
  if (n % 4 != 0) {
    why = "Base64 encoded length is expected a multiple of 4 bytes but found: " + std::to_string(n);
    return false;
  }
  char* p = s.data();
  const size_t pad = n == 0 ? 0 : (p[n - 1] == '=') + (p[n - 2] == '=');
  for (size_t i = 0; i < n - pad; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (kBase64[c] < 0) {
      size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;  // show the whole character
      why = "Invalid Base64 character: '" + std::string(p + i, std::min(len, n - i)) + "'";
      return false;
    }
  }
  // The bits after the last byte must be zero ("QQ==" is 'A', "QR==" is not valid).
  const int8_t last = pad ? kBase64[static_cast<unsigned char>(p[n - pad - 1])] : 0;
  if ((pad == 1 && (last & 0x3)) || (pad == 2 && (last & 0xF))) {
    why = "Invalid last non-pad Base64 character dectected";  // sic: AWS's spelling
    return false;
  }
  size_t out = 0;
  for (size_t i = 0; i < n; i += 4) {
    uint32_t quad = 0;
    for (size_t j = 0; j < 4; ++j) {
      const int8_t d = kBase64[static_cast<unsigned char>(p[i + j])];
      quad = (quad << 6) | static_cast<uint32_t>(d < 0 ? 0 : d);  // '=' counts as zero bits
    }
    p[out++] = static_cast<char>(quad >> 16);
    p[out++] = static_cast<char>(quad >> 8);
    p[out++] = static_cast<char>(quad);
  }
  s.resize(out - pad);
  return true;
}

// Walks a parsed request against its input shape: converts values in place (base64 blobs to
// bytes, numbers to the member's type), drops nulls, stops at the first type mismatch and
// collects every constraint violation.
class Walker {
 public:
  bool Structure(const Shape& shape, json::object& obj) {
    for (const Member& m : MembersOf(shape)) {
      auto it = obj.find(m.name);
      if (it != obj.end() && it->value().is_null()) {
        obj.erase(it);
        it = obj.end();
      }
      path_[depth_++] = {m.path, 0};
      if (it == obj.end()) {
        if (m.required) Violation("null", "Member must not be null");
      } else if (!Value(ShapeAt(m.shape), it->value())) {
        return false;
      }
      --depth_;
    }
    return true;
  }

  const std::string& serialization_error() const { return serialization_error_; }
  int violation_count() const { return violation_count_; }
  const std::string& violations() const { return violations_; }

 private:
  bool Value(const Shape& shape, json::value& v) {
    switch (shape.type) {
      case ShapeType::kStructure:
        if (v.is_object()) return Structure(shape, v.get_object());
        return Fail(v.is_array() ? kListFound : "Expected null");
      case ShapeType::kList:
        if (v.is_array()) return List(shape, v.get_array());
        return Fail(v.is_object() ? kObjectFound : "Expected list or null");
      case ShapeType::kMap:
        if (v.is_object()) return Map(shape, v.get_object());
        return Fail(v.is_array() ? kListFound : "Expected map or null");
      case ShapeType::kString:
        if (!v.is_string()) return TypeMismatch(v, "a String");
        String(shape, v.get_string());
        return true;
      case ShapeType::kBlob:
        if (!v.is_string()) return TypeMismatch(v, "a Blob");
        return Blob(shape, v.get_string());
      case ShapeType::kBoolean:
        return v.is_bool() || TypeMismatch(v, "a Boolean");
      case ShapeType::kInteger:
        return Integral(shape, v, std::numeric_limits<int32_t>::min(),
                        std::numeric_limits<int32_t>::max(), "an Integer");
      case ShapeType::kLong:
        return Integral(shape, v, std::numeric_limits<int64_t>::min(),
                        std::numeric_limits<int64_t>::max(), "a Long");
      case ShapeType::kDouble:
      case ShapeType::kTimestamp:  // epoch seconds on the JSON 1.1 wire
        if (!v.is_number()) {
          return TypeMismatch(v, shape.type == ShapeType::kDouble ? "a Double" : "a Timestamp");
        }
        v = v.to_number<double>();
        Range(shape, v, v.get_double());
        return true;
    }
    return true;
  }

  bool List(const Shape& shape, json::array& a) {
    // Null elements are dropped, as AWS does; indexes in messages count the kept ones.
    a.erase(std::remove_if(a.begin(), a.end(), [](const json::value& e) { return e.is_null(); }),
            a.end());
    Length(shape, a.size(), [&] { return Quoted(a); });
    const Shape& element = ShapeAt(shape.element);
    for (size_t i = 0; i < a.size(); ++i) {
      path_[depth_++] = {nullptr, i + 1};
      if (!Value(element, a[i])) return false;
      --depth_;
    }
    return true;
  }

  bool Map(const Shape& shape, json::object& o) {
    for (auto it = o.begin(); it != o.end();) {
      if (it->value().is_null()) {
        it = o.erase(it);
      } else {
        ++it;
      }
    }
    Length(shape, o.size(), [&] { return Quoted(o); });
    // gen-model guarantees keys and values are unconstrained strings: only types to check.
    const Shape& value = ShapeAt(shape.element);
    for (auto& kv : o) {
      if (!Value(value, kv.value())) return false;
    }
    return true;
  }

  void String(const Shape& shape, const json::string& s) {
    const std::string_view text(s.data(), s.size());
    auto shown = [&] { return shape.sensitive ? std::string() : "'" + std::string(text) + "'"; };
    if (shape.has_min || shape.has_max) Length(shape, Utf16Length(text), shown);
    if (shape.pattern) {
      const Pattern* p = PatternOf(shape);
      if (p && !p->Matches(text)) {
        Violation(shown(), std::string("Member must satisfy regular expression pattern: ") + shape.pattern);
      }
    }
    auto values = EnumValuesOf(shape);
    if (!values.empty() &&
        std::none_of(values.begin(), values.end(), [&](const char* e) { return text == e; })) {
      std::string set = "Member must satisfy enum value set: [";
      for (size_t i = 0; i < values.size(); ++i) {
        if (i) set += ", ";
        set += values[i];
      }
      set += ']';
      Violation(shown(), set);
    }
  }

  bool Blob(const Shape& shape, json::string& s) {
    std::string why;
    if (!DecodeBase64InPlace(s, why)) {
      if (shape.sensitive) return Fail("Value at '" + Path() + "' can not be converted to a Blob: " + why);
      return Fail("'" + std::string(s.data(), s.size()) + "' can not be converted to a Blob: " + why);
    }
    // KMS shows no value for blobs in validation messages ("Value at 'ciphertextBlob' ...").
    Length(shape, s.size(), [] { return std::string(); });
    return true;
  }

  bool Integral(const Shape& shape, json::value& v, int64_t lo, int64_t hi, const char* target) {
    if (!v.is_number()) return TypeMismatch(v, target);
    int64_t n;
    if (v.is_int64()) {
      n = v.get_int64();
    } else if (v.is_uint64()) {  // only numbers above INT64_MAX parse as uint64
      return OutOfRange(v, target);
    } else {
      // AWS truncates fractions (1.9 reads as 1).
      const double d = std::trunc(v.get_double());
      if (!(d >= static_cast<double>(lo) && d < -static_cast<double>(lo))) return OutOfRange(v, target);
      n = static_cast<int64_t>(d);
    }
    if (n < lo || n > hi) return OutOfRange(v, target);
    v = n;
    Range(shape, v, static_cast<double>(n));
    return true;
  }

  bool OutOfRange(const json::value& v, const char* target) {
    return Fail("Value " + json::serialize(v) + " at '" + Path() + "' can not be converted to " +
                target + ": out of range");
  }

  bool TypeMismatch(const json::value& v, const char* target) {
    switch (v.kind()) {
      case json::kind::array:
        return Fail(kListFound);
      case json::kind::object:
        return Fail(kObjectFound);
      case json::kind::string:
        return Fail(std::string("STRING_VALUE can not be converted to ") + target);
      case json::kind::bool_:
        return Fail(std::string(v.get_bool() ? "TRUE_VALUE" : "FALSE_VALUE") +
                    " can not be converted to " + target);
      default:
        return Fail(std::string("NUMBER_VALUE can not be converted to ") + target);
    }
  }

  template <typename Shown>
  void Length(const Shape& shape, size_t length, Shown shown) {
    if (shape.has_min && static_cast<int64_t>(length) < shape.min) {
      Violation(shown(), "Member must have length greater than or equal to " + std::to_string(shape.min));
    }
    if (shape.has_max && static_cast<int64_t>(length) > shape.max) {
      Violation(shown(), "Member must have length less than or equal to " + std::to_string(shape.max));
    }
  }

  void Range(const Shape& shape, const json::value& v, double n) {
    if (shape.has_min && n < static_cast<double>(shape.min)) {
      Violation(Quoted(v), "Member must have value greater than or equal to " + std::to_string(shape.min));
    }
    if (shape.has_max && n > static_cast<double>(shape.max)) {
      Violation(Quoted(v), "Member must have value less than or equal to " + std::to_string(shape.max));
    }
  }

  // AWS's form: tags.1.member.tagKey
  std::string Path() const {
    std::string out;
    for (size_t i = 0; i < depth_; ++i) {
      const Segment& s = path_[i];
      if (!out.empty()) out += '.';
      if (s.member) {
        out += s.member;
      } else {
        out += std::to_string(s.index);
        out += ".member";
      }
    }
    return out;
  }

  void Violation(const std::string& shown, const std::string& constraint) {
    if (violation_count_++ != 0) violations_ += "; ";
    AppendViolation(violations_, shown, Path(), constraint);
  }

  bool Fail(std::string_view message) {
    serialization_error_ = message;
    return false;
  }

  // Where the walk is, e.g. {tags} {1} {tagKey}; spelled out only for messages.
  struct Segment {
    const char* member;  // nullptr for a list element
    size_t index;        // 1-based list index
  };
  // At most one segment per level of JSON nesting, which the parser limits.
  std::array<Segment, kMaxDepth> path_;
  size_t depth_ = 0;
  std::string violations_;
  int violation_count_ = 0;
  std::string serialization_error_;
};

Status SerializationError(std::string message) {
  return Status(ErrorCode::kSerialization, std::move(message));
}

}  // namespace

Result<json::object> DecodeRequest(const Operation& op, std::string_view body) {
  try {
    // One arena per request: the parsed tree is freed in one go with the returned object.
    json::storage_ptr sp = json::make_shared_resource<json::monotonic_resource>();
    json::object obj(sp);
    if (!body.empty()) {
      json::error_code ec;
      json::parse_options options;
      options.max_depth = kMaxDepth;
      json::value v = json::parse(body, ec, sp, options);
      if (ec) return SerializationError("The request body is not valid JSON: " + ec.message());
      if (v.is_array()) return SerializationError(std::string(kListFound));
      if (!v.is_object()) return SerializationError("The request body must be a JSON object");
      obj = std::move(v.get_object());
    }
    if (op.input == kNoShape) return obj;
    Walker walker;
    if (!walker.Structure(ShapeAt(op.input), obj)) return SerializationError(walker.serialization_error());
    if (int n = walker.violation_count()) return ValidationErrors(n, walker.violations());
    return obj;
  } catch (const std::exception& e) {  // only allocation failures can get here
    return InternalError(std::string("decoding the request failed: ") + e.what());
  }
}

Status ValidationFailure(std::string_view shown, std::string_view path,
                         std::string_view constraint) {
  std::string violation;
  AppendViolation(violation, shown, path, constraint);
  return ValidationErrors(1, violation);
}

std::string EncodeError(const Status& status) {
  std::string out = R"({"__type":")";
  out += AwsErrorType(status.code());
  out += '"';
  if (!status.message().empty()) {
    out += R"(,"message":)";
    out += json::serialize(json::string_view(status.message()));
  }
  out += '}';
  return out;
}

}  // namespace trent::model
