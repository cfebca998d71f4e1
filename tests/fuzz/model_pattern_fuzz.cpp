// The pattern matcher (server/model/pattern.h): the model's patterns against arbitrary strings,
// and arbitrary patterns against arbitrary strings. Matching is a Thompson NFA, linear in the
// input by construction; the fuzzer's time limit catches a run that is not. For the model's
// patterns that std::regex reads alike (ECMAScript; libstdc++ refuses [a-zA-Z0-9-_.], which
// Java reads as a literal '-') on short ASCII input, the answer must agree with std::regex.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "server/model/pattern.h"
#include "server/model/service_model.h"

namespace {

struct ModelPattern {
  const char* text;
  trent::model::Pattern compiled;
  std::optional<std::regex> reference;
};

const std::vector<ModelPattern>& ModelPatterns() {
  static const std::vector<ModelPattern> patterns = [] {
    std::vector<ModelPattern> out;
    for (const auto& shape : trent::model::Shapes()) {
      if (!shape.pattern) continue;
      auto compiled = trent::model::Pattern::Compile(shape.pattern);
      if (!compiled) std::abort();  // every pattern of the model compiles
      std::optional<std::regex> reference;
      try {
        reference.emplace(shape.pattern);
      } catch (const std::regex_error&) {
        // not comparable
      }
      out.push_back({shape.pattern, std::move(*compiled), std::move(reference)});
    }
    return out;
  }();
  return patterns;
}

bool IsShortAscii(std::string_view s) {
  if (s.size() > 64) return false;  // std::regex recurses per character
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto& patterns = ModelPatterns();
  const size_t choice = data[0];
  if (choice < patterns.size()) {
    const ModelPattern& p = patterns[choice];
    const bool matches = p.compiled.Matches(rest);
    if (p.reference && IsShortAscii(rest) &&
        matches != std::regex_match(rest.begin(), rest.end(), *p.reference)) {
      std::abort();
    }
    return 0;
  }
  // An arbitrary pattern: the text up to the first NUL, matched against what follows.
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return 0;
  if (auto pattern = trent::model::Pattern::Compile(rest.substr(0, nul))) {
    pattern->Matches(rest.substr(nul + 1));
  }
  return 0;
}
