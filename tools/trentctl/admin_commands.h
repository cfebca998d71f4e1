// trentctl's commands of the trent.v1.Admin service: health, keys, reset, clock, tail,
// apply-seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tools/trentctl/rpc.h"

namespace trent::ctl {

// An account and region to act on; either may be left out.
struct Scope {
  std::optional<std::string> account;
  std::optional<std::string> region;
};

// Each prints its answer (readable, or JSON with options.json) and returns the exit code.
int RunHealth(const Options& options);        // "SERVING" first; exit 1 when not serving
int RunKeys(const Options& options, const Scope& scope);
int RunReset(const Options& options, const Scope& scope);
// With advance_seconds, moves the test clock forward first.
int RunClock(const Options& options, std::optional<int64_t> advance_seconds);
// The latest `limit` records (0: all kept), one per line; with follow, new ones until the
// process is interrupted.
int RunTail(const Options& options, int limit, bool follow);
// Applies the seed file at `path` (the YAML of trentd --seed), then prints how many keys and
// aliases it created and how many it found already there.
int RunApplySeed(const Options& options, const std::string& path);

}  // namespace trent::ctl
