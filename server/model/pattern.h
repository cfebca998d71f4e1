// The model's `pattern` constraints are Java regular expressions that AWS checks with
// Matcher.matches(): the whole value must match, character classes work on code points
// (e.g. [\u0020-\u00FF] accepts 'é' but not '€'). std::regex has neither property (it sees
// UTF-8 bytes, and recurses per character on long inputs), so this is a small Thompson-NFA
// matcher for the subset of Java syntax the service model uses: literals and escapes,
// classes with ranges, \w \d \s \uXXXX, '.', groups, '|', * + ? {n} {n,} {n,m}, ^ and $.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace trent::model {

class Pattern {
 public:
  // nullopt when `java_regex` uses syntax outside the supported subset.
  static std::optional<Pattern> Compile(std::string_view java_regex);

  // Whether all of `utf8` (valid UTF-8) matches. Linear in the input, no recursion.
  bool Matches(std::string_view utf8) const;

  struct Range {
    char32_t lo, hi;
  };
  struct Instr {
    enum Op : uint8_t { kClass, kSplit, kJump, kBegin, kEnd, kMatch } op;
    bool negated = false;    // kClass
    uint32_t first = 0;      // kClass: first range in ranges_; kSplit/kJump: target
    uint32_t count = 0;      // kClass: number of ranges; kSplit: second target
  };

 private:
  std::vector<Instr> program_;
  std::vector<Range> ranges_;
  friend class PatternCompiler;
};

}  // namespace trent::model
