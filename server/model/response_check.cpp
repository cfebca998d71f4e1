#include "server/model/response_check.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "server/model/service_model.h"

namespace trent::model {
namespace json = boost::json;

namespace {

const char* JsonTypeName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "an integer";
    case json::kind::double_:
      return "a fractional number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "?";
}

// Walks an answer against its output shape and stops at the first problem, described in
// `problem_` with the JSON path where it is.
class Checker {
 public:
  bool Structure(const Shape& shape, const json::object& obj, const std::string& path) {
    auto members = MembersOf(shape);
    for (const auto& kv : obj) {
      const std::string member_path = path + "." + std::string(kv.key());
      auto member = std::find_if(members.begin(), members.end(),
                                 [&](const Member& m) { return kv.key() == m.name; });
      if (member == members.end()) return Fail(member_path + " is not a member of " + shape.name);
      if (kv.value().is_null()) {
        return Fail(member_path + " is null (AWS leaves absent members out)");
      }
      if (!Value(ShapeAt(member->shape), kv.value(), member_path)) return false;
    }
    for (const Member& m : members) {
      if (m.required && !obj.contains(m.name)) {
        return Fail(path + "." + m.name + " is missing (required in " + shape.name + ")");
      }
    }
    return true;
  }

  const std::string& problem() const { return problem_; }

 private:
  bool Value(const Shape& shape, const json::value& v, const std::string& path) {
    switch (shape.type) {
      case ShapeType::kStructure:
        return Expect(v.is_object(), shape, v, path, "an object") &&
               Structure(shape, v.get_object(), path);
      case ShapeType::kList:
        return Expect(v.is_array(), shape, v, path, "an array") && List(shape, v.get_array(), path);
      case ShapeType::kMap:
        return Expect(v.is_object(), shape, v, path, "an object") && Map(shape, v.get_object(), path);
      case ShapeType::kString:
        return Expect(v.is_string(), shape, v, path, "a string") && Enum(shape, v.get_string(), path);
      case ShapeType::kBlob: {
        if (!Expect(v.is_string(), shape, v, path, "a base64 string")) return false;
        const Status base64 = Base64Check(v.get_string());
        if (base64.ok()) return true;
        // The reason may quote a character of the value: not for sensitive ones.
        return Fail(path + " is not base64 (" + shape.name + ")" +
                    (shape.sensitive ? "" : ": " + base64.message()));
      }
      case ShapeType::kBoolean:
        return Expect(v.is_bool(), shape, v, path, "a boolean");
      case ShapeType::kInteger:
        return Integral(shape, v, path, std::numeric_limits<int32_t>::min(),
                        std::numeric_limits<int32_t>::max(), "a 32-bit integer");
      case ShapeType::kLong:
        return Integral(shape, v, path, std::numeric_limits<int64_t>::min(),
                        std::numeric_limits<int64_t>::max(), "a 64-bit integer");
      case ShapeType::kDouble:
      case ShapeType::kTimestamp:  // epoch seconds on the JSON 1.1 wire
        return Expect(v.is_number() && std::isfinite(v.to_number<double>()), shape, v, path,
                      shape.type == ShapeType::kDouble ? "a finite number"
                                                       : "a number (epoch seconds)");
    }
    return Fail(path + ": unknown shape type in " + shape.name);
  }

  bool List(const Shape& shape, const json::array& a, const std::string& path) {
    const Shape& element = ShapeAt(shape.element);
    for (size_t i = 0; i < a.size(); ++i) {
      if (!Value(element, a[i], path + "[" + std::to_string(i) + "]")) return false;
    }
    return true;
  }

  // gen-model guarantees map keys are unconstrained strings: only the values have a shape.
  bool Map(const Shape& shape, const json::object& o, const std::string& path) {
    const Shape& value = ShapeAt(shape.element);
    for (const auto& kv : o) {
      if (!Value(value, kv.value(), path + "[" + json::serialize(kv.key()) + "]")) return false;
    }
    return true;
  }

  bool Enum(const Shape& shape, const json::string& s, const std::string& path) {
    auto values = EnumValuesOf(shape);
    if (values.empty() ||
        std::any_of(values.begin(), values.end(), [&](const char* e) { return s == e; })) {
      return true;
    }
    return Fail(path + " is " + json::serialize(s) + ", not a value of " + shape.name);
  }

  bool Integral(const Shape& shape, const json::value& v, const std::string& path, int64_t lo,
                int64_t hi, const char* expected) {
    const bool in_range = (v.is_int64() && v.get_int64() >= lo && v.get_int64() <= hi) ||
                          (v.is_uint64() && v.get_uint64() <= static_cast<uint64_t>(hi));
    return Expect(in_range, shape, v, path, expected);
  }

  bool Expect(bool ok, const Shape& shape, const json::value& v, const std::string& path,
              const char* expected) {
    if (ok) return true;
    return Fail(path + " is " + JsonTypeName(v) + ", expected " + expected + " (" + shape.name +
                ")");
  }

  bool Fail(std::string problem) {
    problem_ = std::move(problem);
    return false;
  }

  std::string problem_;
};

}  // namespace

Status CheckResponse(const Operation& op, const json::object& output) {
  if (op.output == kNoShape) {
    if (output.empty()) return Status::Ok();
    return InternalError(std::string(op.name) + ": $." + std::string(output.begin()->key()) +
                         " is not a member: the model gives " + op.name + " no output");
  }
  try {
    Checker checker;
    if (checker.Structure(ShapeAt(op.output), output, "$")) return Status::Ok();
    return InternalError(std::string(op.name) + ": " + checker.problem());
  } catch (const std::exception& e) {  // only allocation failures can get here
    return InternalError(std::string(op.name) + ": checking the answer failed: " + e.what());
  }
}

}  // namespace trent::model
