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

// Takes `bytes` from `budget`; false (and the budget spent) when it does not hold them.
bool Spend(size_t bytes, size_t& budget) {
  if (bytes > budget) {
    budget = 0;
    return false;
  }
  budget -= bytes;
  return true;
}

// Null when nothing is left of `value`. Every name and text kept is taken from `budget`; once
// it is spent, nothing more is kept.
boost::json::value View(const Shape& shape, const boost::json::value& value, size_t& budget) {
  if (Secret(shape) || budget == 0) return nullptr;
  switch (shape.type) {
    case ShapeType::kStructure: {
      const boost::json::object* in = value.if_object();
      if (!in) return nullptr;
      boost::json::object out;
      for (const Member& member : MembersOf(shape)) {
        const boost::json::value* field = in->if_contains(member.name);
        if (!field || field->is_null()) continue;
        if (!Spend(std::string_view(member.path).size(), budget)) break;
        boost::json::value kept = View(ShapeAt(member.shape), *field, budget);
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
      for (const boost::json::value& item : *in) {
        boost::json::value kept = View(element, item, budget);
        if (kept.is_null()) break;
        out.push_back(std::move(kept));
      }
      return out;
    }
    case ShapeType::kMap: {
      const boost::json::object* in = value.if_object();
      const Shape& element = ShapeAt(shape.element);
      if (!in || Secret(element) || Secret(ShapeAt(shape.key))) return nullptr;
      boost::json::object out;
      for (const auto& entry : *in) {
        if (!Spend(entry.key().size(), budget)) break;
        boost::json::value kept = View(element, entry.value(), budget);
        if (kept.is_null()) break;
        out[entry.key()] = std::move(kept);
      }
      return out;
    }
    case ShapeType::kString:
      if (!Spend(value.is_string() ? value.get_string().size() : 0, budget)) return nullptr;
      return value;
    default:
      return Spend(8, budget) ? value : nullptr;
  }
}

}  // namespace

boost::json::value LoggableView(uint16_t shape, const boost::json::value& value) {
  if (shape == kNoShape) return nullptr;
  size_t budget = kLoggableBudget;
  return View(ShapeAt(shape), value, budget);
}

}  // namespace trent::model
