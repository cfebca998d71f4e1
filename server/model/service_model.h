// The KMS service model as tables: every operation, its input and output shapes, and every
// shape reachable from them. The rows live in service_model_generated.cpp, written by scripts/gen-model
// from botocore's service-2.json; shapes, members and enum values refer to each other by index.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace trent::model {

enum class ShapeType : uint8_t {
  kStructure,
  kList,
  kMap,
  kString,
  kBlob,
  kBoolean,
  kInteger,
  kLong,
  kDouble,
  kTimestamp,
};

inline constexpr uint16_t kNoShape = 0xFFFF;

struct Member {
  const char* name;  // JSON name, e.g. "KeyId"
  const char* path;  // segment of AWS validation paths, e.g. "keyId"
  uint16_t shape;    // index into Shapes()
  bool required;
};

struct Shape {
  const char* name;
  ShapeType type;
  bool sensitive;  // validation messages omit the value
  bool has_min;
  int64_t min;  // length for string/blob/list/map, value for numbers
  bool has_max;
  int64_t max;
  const char* pattern;  // Java regular expression the whole value must match, or nullptr
  uint16_t first;       // structure: first index into Members(); enum string: into EnumValues()
  uint16_t count;       // number of members / enum values
  uint16_t element;     // list: member shape; map: value shape
  uint16_t key;         // map: key shape
};

struct Operation {
  const char* name;  // e.g. "Encrypt"
  uint16_t input;    // index into Shapes(), kNoShape when the operation takes no input
  uint16_t output;   // index into Shapes(), kNoShape when it answers nothing ({})
};

// "botocore <version> <model path>, uid <uid>" of the model the tables came from.
extern const char kModelSource[];

std::span<const Operation> Operations();  // sorted by name
std::span<const Shape> Shapes();
std::span<const Member> Members();
std::span<const char* const> EnumValues();

inline const Shape& ShapeAt(uint16_t index) { return Shapes()[index]; }
inline std::span<const Member> MembersOf(const Shape& s) {
  return Members().subspan(s.first, s.type == ShapeType::kStructure ? s.count : 0);
}
inline std::span<const char* const> EnumValuesOf(const Shape& s) {
  return EnumValues().subspan(s.first, s.type == ShapeType::kString ? s.count : 0);
}

}  // namespace trent::model
