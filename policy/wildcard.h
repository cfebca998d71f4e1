// Glob matching as IAM policies use it: `*` matches any run of characters (also none), `?`
// exactly one; every other character matches itself.
#pragma once

#include <string>
#include <string_view>

namespace trent::policy {

// Whether `text` matches `pattern`, characters compared exactly.
bool WildcardMatch(std::string_view pattern, std::string_view text);

// Whether `text` matches `lower_pattern` (lower-case ASCII already, see AsciiLower), the ASCII
// letters of `text` compared case-insensitively.
bool WildcardMatchIgnoreCase(std::string_view lower_pattern, std::string_view text);

// Whether `s` has a `*` or `?`.
bool HasWildcard(std::string_view s);

// `s` with its ASCII letters in lower case.
std::string AsciiLower(std::string_view s);

// Whether `a` and `b` are equal but for the case of ASCII letters.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace trent::policy
