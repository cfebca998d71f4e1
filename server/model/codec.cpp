#include "server/model/codec.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <type_traits>
#include <vector>

#include "common/base64.h"
#include "common/bytes.h"

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

// How much of a failed validation the answer spells out. AWS lists every violation and shows
// values in full (Java's toString of the whole list or map); whether and how it cuts a long
// message is not documented, and we found no example of a cut. trent keeps AWS's form and the
// count of all violations ("349525 validation errors detected: ..."), but lists only the first
// violations, up to 10 or until the list reaches 2 KiB, and shows at most 512 bytes of a value
// (every name, tag and alias limit of the model is at most 256 characters, so those values are
// shown whole as AWS shows them), cut at a character boundary and marked with "...". A request
// whose every element is wrong gets an answer of a few KiB, not one proportional to the request.
constexpr size_t kMaxListedViolations = 10;
constexpr size_t kMaxListedBytes = 2048;
constexpr size_t kMaxShownBytes = 512;

// 'text', cut after kMaxShownBytes (at a UTF-8 character boundary) with "...".
std::string QuotedCut(std::string_view text) {
  std::string out = "'";
  if (text.size() <= kMaxShownBytes) {
    out += text;
  } else {
    size_t end = kMaxShownBytes;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    out += text.substr(0, end);
    out += "...";
  }
  out += '\'';
  return out;
}

Status ValidationErrors(size_t count, const std::string& violations) {
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
// maps {k=v}. Stops soon after `out` reaches `limit` bytes: the time spent is bounded by what
// is shown, not by the size of the value.
void AppendJavaText(const json::value& v, std::string& out, size_t limit);

void AppendJavaText(const json::array& a, std::string& out, size_t limit) {
  out += '[';
  for (size_t i = 0; i < a.size() && out.size() < limit; ++i) {
    if (i) out += ", ";
    AppendJavaText(a[i], out, limit);
  }
  out += ']';
}

void AppendJavaText(const json::object& o, std::string& out, size_t limit) {
  out += '{';
  bool first = true;
  for (auto it = o.begin(); it != o.end() && out.size() < limit; ++it) {
    if (!first) out += ", ";
    first = false;
    out.append(std::string_view(it->key()).substr(0, limit - std::min(limit, out.size())));
    out += '=';
    AppendJavaText(it->value(), out, limit);
  }
  out += '}';
}

void AppendJavaText(const json::value& v, std::string& out, size_t limit) {
  switch (v.kind()) {
    case json::kind::string:
      out.append(std::string_view(v.get_string()).substr(0, limit - std::min(limit, out.size())));
      break;
    case json::kind::array:
      AppendJavaText(v.get_array(), out, limit);
      break;
    case json::kind::object:
      AppendJavaText(v.get_object(), out, limit);
      break;
    default:
      out += json::serialize(v);
  }
}

template <typename T>
std::string Quoted(const T& v) {
  std::string text;
  AppendJavaText(v, text, kMaxShownBytes + 1);
  return QuotedCut(text);
}

// A violation's parts are given as text or as a function that makes the text, called only
// when the violation is listed.
template <typename T>
std::string TextOf(const T& text) {
  if constexpr (std::is_invocable_v<T>) {
    return text();
  } else {
    return std::string(text);
  }
}

// Walks a parsed request against its input shape: converts values in place (base64 blobs to
// bytes, numbers to the member's type), drops nulls, stops at the first type mismatch and
// collects every constraint violation.
class Walker {
 public:
  explicit Walker(BlobForm blobs) : blobs_(blobs) {}

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
  size_t violation_count() const { return violation_count_; }
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
    auto shown = [&] { return shape.sensitive ? std::string() : QuotedCut(text); };
    if (shape.has_min || shape.has_max) Length(shape, Utf16Length(text), shown);
    if (shape.pattern) {
      const Pattern* p = PatternOf(shape);
      if (p && !p->Matches(text)) {
        Violation(shown, [&] {
          return std::string("Member must satisfy regular expression pattern: ") + shape.pattern;
        });
      }
    }
    auto values = EnumValuesOf(shape);
    if (!values.empty() &&
        std::none_of(values.begin(), values.end(), [&](const char* e) { return text == e; })) {
      Violation(shown, [&] {
        std::string set = "Member must satisfy enum value set: [";
        for (size_t i = 0; i < values.size(); ++i) {
          if (i) set += ", ";
          set += values[i];
        }
        set += ']';
        return set;
      });
    }
  }

  bool Blob(const Shape& shape, json::string& s) {
    if (blobs_ == BlobForm::kRaw) {
      Length(shape, s.size(), [] { return std::string(); });
      return true;
    }
    Result<size_t> decoded = Base64DecodeInPlace({s.data(), s.size()});
    if (!decoded.ok()) {
      const std::string& why = decoded.status().message();
      if (shape.sensitive) return Fail("Value at '" + Path() + "' can not be converted to a Blob: " + why);
      return Fail(QuotedCut(std::string_view(s)) + " can not be converted to a Blob: " + why);
    }
    s.resize(*decoded);
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
      Violation(shown, [&] { return "Member must have length greater than or equal to " + std::to_string(shape.min); });
    }
    if (shape.has_max && static_cast<int64_t>(length) > shape.max) {
      Violation(shown, [&] { return "Member must have length less than or equal to " + std::to_string(shape.max); });
    }
  }

  void Range(const Shape& shape, const json::value& v, double n) {
    if (shape.has_min && n < static_cast<double>(shape.min)) {
      Violation([&] { return Quoted(v); },
                [&] { return "Member must have value greater than or equal to " + std::to_string(shape.min); });
    }
    if (shape.has_max && n > static_cast<double>(shape.max)) {
      Violation([&] { return Quoted(v); },
                [&] { return "Member must have value less than or equal to " + std::to_string(shape.max); });
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

  // Counts every violation; spells out only the first ones (see kMaxListedViolations), so
  // the walk stays linear and cheap however many there are.
  template <typename Shown, typename Constraint>
  void Violation(const Shown& shown, const Constraint& constraint) {
    ++violation_count_;
    if (listed_ == kMaxListedViolations || violations_.size() >= kMaxListedBytes) return;
    if (listed_++ != 0) violations_ += "; ";
    AppendViolation(violations_, TextOf(shown), Path(), TextOf(constraint));
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
  const BlobForm blobs_;
  size_t violation_count_ = 0;
  size_t listed_ = 0;
  std::string serialization_error_;
};

// Memory for JSON that may hold plaintext or key material (requests carry Plaintext as base64,
// then decoded in place): every block is wiped when it is given back.
class WipingResource final : public json::memory_resource {
  void* do_allocate(size_t n, size_t align) override {
    return ::operator new(n, std::align_val_t(align));
  }
  void do_deallocate(void* p, size_t n, size_t align) override {
    SecureWipe(p, n);
    ::operator delete(p, std::align_val_t(align));
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

json::storage_ptr WipingStorage() {
  static WipingResource resource;
  return json::storage_ptr(&resource);
}

// The first block of a request's arena: one buffer per thread, reused from one request to the
// next, so that a typical request takes nothing from the heap for its JSON tree (each request's
// one large heap block made glibc consolidate its free lists every time: about 4% of Encrypt's
// CPU). The arena goes on in heap blocks when the buffer is full; the buffer is wiped when the
// arena is released, and is taken by one arena at a time (else the arena starts on the heap).
struct ArenaBuffer {
  static constexpr size_t kSize = 4096;
  alignas(std::max_align_t) unsigned char bytes[kSize];
  std::atomic<bool> taken{false};  // an arena may be released on another thread
};

class BufferedArena final : public json::memory_resource {
 public:
  explicit BufferedArena(ArenaBuffer& buffer)
      : buffer_(buffer), arena_(buffer.bytes, ArenaBuffer::kSize, WipingStorage()) {
    buffer_.taken.store(true, std::memory_order_relaxed);
  }
  ~BufferedArena() override {
    SecureWipe(buffer_.bytes, ArenaBuffer::kSize);
    buffer_.taken.store(false, std::memory_order_release);
  }

 private:
  void* do_allocate(size_t n, size_t align) override { return arena_.allocate(n, align); }
  void do_deallocate(void* p, size_t n, size_t align) override { arena_.deallocate(p, n, align); }
  bool do_is_equal(const json::memory_resource& other) const noexcept override {
    return this == &other;
  }

  ArenaBuffer& buffer_;
  json::monotonic_resource arena_;  // wipes and frees its heap blocks itself
};

// Wipes a buffer on the stack when the scope ends, however it ends.
class WipeOnExit {
 public:
  WipeOnExit(void* p, size_t n) : p_(p), n_(n) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { SecureWipe(p_, n_); }

 private:
  void* p_;
  size_t n_;
};

size_t SerializedSizeHint(const json::object& o);

// Bytes the serialized `v` takes when no string needs escaping (a first size, not a bound).
size_t SerializedSizeHint(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return v.get_string().size() + 2;
    case json::kind::array: {
      size_t n = 2;
      for (const json::value& e : v.get_array()) n += SerializedSizeHint(e) + 1;
      return n;
    }
    case json::kind::object:
      return SerializedSizeHint(v.get_object());
    default:
      return 24;  // numbers, booleans, null
  }
}

size_t SerializedSizeHint(const json::object& o) {
  size_t n = 2;
  for (const auto& kv : o) n += kv.key().size() + 4 + SerializedSizeHint(kv.value());
  return n;
}

void WipeStrings(json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      SecureWipe(v.get_string().data(), v.get_string().size());
      break;
    case json::kind::array:
      for (json::value& e : v.get_array()) WipeStrings(e);
      break;
    case json::kind::object:
      for (auto& kv : v.get_object()) WipeStrings(kv.value());
      break;
    default:
      break;
  }
}

Status SerializationError(std::string message) {
  return Status(ErrorCode::kSerialization, std::move(message));
}

}  // namespace

Result<json::object> DecodeRequest(const Operation& op, std::string_view body) {
  try {
    // One arena per request: the parsed tree is freed in one go with the returned object, and
    // wiped then, as is the parser's scratch memory.
    json::storage_ptr sp = RequestStorage(body.size() + 256);
    json::object obj(sp);
    if (!body.empty()) {
      json::parse_options options;
      options.max_depth = kMaxDepth;
      unsigned char scratch[512];
      WipeOnExit wipe_scratch(scratch, sizeof scratch);
      json::parser parser(WipingStorage(), options, scratch);
      parser.reset(sp);
      json::error_code ec;
      parser.write(body, ec);
      if (ec) return SerializationError("The request body is not valid JSON: " + ec.message());
      json::value v = parser.release();
      if (v.is_array()) return SerializationError(std::string(kListFound));
      if (!v.is_object()) return SerializationError("The request body must be a JSON object");
      obj = std::move(v.get_object());
    }
    TRY_STATUS(ValidateRequest(op, obj, BlobForm::kBase64));
    return obj;
  } catch (const std::exception& e) {  // only allocation failures can get here
    return InternalError(std::string("decoding the request failed: ") + e.what());
  }
}

Status ValidateRequest(const Operation& op, json::object& input, BlobForm blobs) {
  if (op.input == kNoShape) return Status::Ok();
  Walker walker(blobs);
  if (!walker.Structure(ShapeAt(op.input), input)) {
    return SerializationError(walker.serialization_error());
  }
  if (size_t n = walker.violation_count()) return ValidationErrors(n, walker.violations());
  return Status::Ok();
}

json::storage_ptr RequestStorage(size_t size_hint) {
  thread_local ArenaBuffer buffer;
  if (size_hint <= ArenaBuffer::kSize && !buffer.taken.load(std::memory_order_acquire)) {
    return json::make_shared_resource<BufferedArena>(buffer);
  }
  return json::make_shared_resource<json::monotonic_resource>(size_hint, WipingStorage());
}

Status ValidationFailure(std::string_view shown, std::string_view path,
                         std::string_view constraint) {
  std::string violation;
  AppendViolation(violation, shown, path, constraint);
  return ValidationErrors(1, violation);
}

std::string EncodeResponse(json::object& output) {
  json::serializer serializer;
  serializer.reset(&output);
  std::string out(SerializedSizeHint(output) + 16, '\0');
  size_t used = 0;
  while (!serializer.done()) {
    if (used == out.size()) {  // grow by hand, so that no copy is left unwiped
      std::string bigger(out.size() * 2, '\0');
      std::memcpy(bigger.data(), out.data(), used);
      SecureWipe(out.data(), out.size());
      out.swap(bigger);
    }
    used += serializer.read(out.data() + used, out.size() - used).size();
  }
  out.resize(used);
  WipeOutput(output);
  return out;
}

void WipeOutput(json::object& output) {
  for (auto& kv : output) WipeStrings(kv.value());
}

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return 200;
    case ErrorCode::kInternal: return 500;
    case ErrorCode::kRequestEntityTooLarge: return 413;
    // AWS's common errors (e.g. the RDS API reference's "Common Errors") list
    // MissingAuthenticationToken with HTTP 403.
    case ErrorCode::kMissingAuthenticationToken: return 403;
    default: return 400;
  }
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
