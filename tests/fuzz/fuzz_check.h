// FUZZ_CHECK(condition): an invariant a fuzz target asserts; when it does not hold, the input is
// a finding (libFuzzer saves it as crash-<sha1>). Unlike assert(), never compiled out. Variadic
// so that a condition with commas in template arguments needs no extra parentheses.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(...)                                                                \
  do {                                                                                 \
    if (!(__VA_ARGS__)) {                                                              \
      std::fprintf(stderr, "%s:%d: invariant does not hold: %s\n", __FILE__, __LINE__, \
                   #__VA_ARGS__);                                                      \
      std::abort();                                                                    \
    }                                                                                  \
  } while (false)
