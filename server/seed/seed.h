// Seed files: keys (with their material, or generated in the HSM), aliases, tags and key
// policies, with fixed key ids, created at start (trentd --seed FILE) or through the admin
// API (ApplySeed), so that tests and compose setups are reproducible.
//
// The format is local-kms's (Keys: Symmetric: Aes, Asymmetric: Rsa / Ecc; Aliases), accepted
// as it is, which trent extends (Ed25519 PEM keys in Ecc, which local-kms does not offer): Region and Account at the top, Keys.Symmetric.Hmac, KeySpec
// and KeyUsage for keys generated without material, Tags, Policy, Enabled and
// RotationPeriodInDays. The README shows both. Parsing checks everything before anything is
// applied; an error names the entry ("Keys.Symmetric.Aes[2]: BackingKeys[0] is not 32 bytes of
// hex"). A field neither format knows is ignored, as local-kms ignores it, with a warning
// naming the entry and the field. Key material never appears in a message or a log line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "server/kms/key_store.h"

namespace trent::seed {

// The largest seed text accepted (ApplySeed takes untrusted bytes).
constexpr size_t kMaxSeedBytes = 4 * 1024 * 1024;

// Where keys go when the file names no Account or Region.
struct SeedDefaults {
  std::string account;
  std::string region;
};

struct SeedKey {
  std::string entry;      // "Keys.Symmetric.Aes[2]", for messages
  kms::NewKeySpec spec;   // spec.material is set by Apply from `material`
  // Each version's material as hsm::Hsm::ImportKey takes it; empty: generated in the HSM.
  std::vector<SecretBytes> material;
  bool enabled = true;
};

struct SeedAlias {
  std::string entry;      // "Aliases[0]"
  std::string name;       // "alias/..."
  std::string target_key_id;
};

struct Seed {
  std::string account;
  std::string region;
  std::vector<SeedKey> keys;
  std::vector<SeedAlias> aliases;
  // One line per field ignored ("Keys.Symmetric.Aes[0].Metadata: unknown field 'Arn'
  // ignored"), for LogWarnings.
  std::vector<std::string> warnings;
};

// `text` as a seed: every entry checked (each alias's target must be a key of the seed or a
// key id; whether it exists is Apply's question). kValidation naming the entry otherwise.
// Each unknown field is listed in Seed::warnings (Parse logs nothing: trentd parses its seed
// before its logging is set up).
Result<Seed> Parse(std::string_view text, const SeedDefaults& defaults);

// Logs each of the seed's warnings (spdlog warn), as "seed: <warning>".
void LogWarnings(const Seed& seed);

struct Applied {
  size_t keys_created = 0;
  size_t keys_existing = 0;     // left as they were (their id was taken by an equal key)
  size_t aliases_created = 0;
  size_t aliases_existing = 0;  // left as they were
};

// Creates what the seed holds and the store lacks, each through the store's write path. A key
// whose id exists already is left as it is, after checking that it is the seed's (same
// account, region, origin, spec and usage; its first versions made from the seed's
// material); an alias that exists is left as it is (a warning when it points elsewhere).
// Applying a seed twice changes nothing the second time.
//
// All or nothing: every entry is checked against the store first (existing keys, alias
// targets and their state, aliases per key, the key quota), so a seed refused for any of
// these changes nothing. A creation that still fails (the HSM, the disk, a concurrent change)
// undoes what this call created: its aliases, then its keys with their material in the HSM.
// An error names the entry.
Result<Applied> Apply(Seed& seed, kms::KeyStore& keys, int64_t now_ms);

}  // namespace trent::seed
