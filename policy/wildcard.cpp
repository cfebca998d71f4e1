#include "policy/wildcard.h"

namespace trent::policy {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Greedy matching with one backtrack point (the last `*` seen): each `*` only ever advances,
// so the work is O(pattern * text) in the worst case and linear for the patterns policies use.
template <bool kIgnoreCase>
bool GreedyMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char pc = pattern[p];
      if (pc == '*') {
        star = p++;
        star_t = t;
        continue;
      }
      const char tc = kIgnoreCase ? Lower(text[t]) : text[t];
      if (pc == '?' || pc == tc) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

bool WildcardMatch(std::string_view pattern, std::string_view text) {
  return GreedyMatch<false>(pattern, text);
}

bool WildcardMatchIgnoreCase(std::string_view lower_pattern, std::string_view text) {
  return GreedyMatch<true>(lower_pattern, text);
}

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

}  // namespace trent::policy
