#include "server/model/loggable.h"

#include <string_view>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "server/model/service_model.h"

namespace trent::model {
namespace {

// Grant tokens are bearer credentials (whoever holds one may use the grant), though the model
// does not mark them sensitive.
constexpr std::string_view kCredentialShapes[] = {"GrantTokenType"};

bool Secret(const Shape& shape) {
  if (shape.sensitive || shape.type == ShapeType::kBlob) return true;
  for (std::string_view credential : kCredentialShapes) {
    if (shape.name == credential) return true;
  }
  return false;
}

// Null when nothing is left of `value`.
boost::json::value View(const Shape& shape, const boost::json::value& value) {
  if (Secret(shape)) return nullptr;
  switch (shape.type) {
    case ShapeType::kStructure: {
      const boost::json::object* in = value.if_object();
      if (!in) return nullptr;
      boost::json::object out;
      for (const Member& member : MembersOf(shape)) {
        const boost::json::value* field = in->if_contains(member.name);
        if (!field || field->is_null()) continue;
        boost::json::value kept = View(ShapeAt(member.shape), *field);
        if (!kept.is_null()) out[member.path] = std::move(kept);
      }
      if (out.empty()) return nullptr;
      return out;
    }
    case ShapeType::kList: {
      const boost::json::array* in = value.if_array();
      const Shape& element = ShapeAt(shape.element);
      if (!in || Secret(element)) return nullptr;
      boost::json::array out;
      out.reserve(in->size());
      for (const boost::json::value& item : *in) out.push_back(View(element, item));
      return out;
    }
    case ShapeType::kMap: {
      const boost::json::object* in = value.if_object();
      const Shape& element = ShapeAt(shape.element);
      if (!in || Secret(element) || Secret(ShapeAt(shape.key))) return nullptr;
      boost::json::object out;
      for (const auto& entry : *in) out[entry.key()] = View(element, entry.value());
      return out;
    }
    default:
      return value;
  }
}

}  // namespace

boost::json::value LoggableView(uint16_t shape, const boost::json::value& value) {
  if (shape == kNoShape) return nullptr;
  return View(ShapeAt(shape), value);
}

}  // namespace trent::model
