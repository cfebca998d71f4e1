// Seed files: keys (with their material, or generated in the HSM), aliases, tags and key
// policies, with fixed key ids, created at start (trentd --seed FILE) or through the admin
// API (ApplySeed), so that tests and compose setups are reproducible.
//
// The format is local-kms's (Keys: Symmetric: Aes, Asymmetric: Rsa / Ecc; Aliases), accepted
// as it is, which trent extends: Region and Account at the top, Keys.Symmetric.Hmac, KeySpec
// and KeyUsage for keys generated without material, Tags, Policy, Enabled and
// RotationPeriodInDays. The README shows both. Parsing checks everything before anything is
// applied; an error names the entry ("Keys.Symmetric.Aes[2]: BackingKeys[0] is not 32 bytes of
// hex"). Key material never appears in a message or a log line.
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
};

// `text` as a seed: every entry checked (each alias's target must be a key of the seed or a
// key id; whether it exists is Apply's question). kValidation naming the entry otherwise.
Result<Seed> Parse(std::string_view text, const SeedDefaults& defaults);

struct Applied {
  size_t keys_created = 0;
  size_t keys_existing = 0;     // left as they were (their id was taken by an equal key)
  size_t aliases_created = 0;
  size_t aliases_existing = 0;  // left as they were
};

// Creates what the seed holds and the store lacks, each through the store's write path. A key
// whose id exists already is left as it is, after checking that it is the seed's (same
// account, region, spec and usage; its first versions made from the seed's material); an
// alias that exists is left as it is (a warning when it points elsewhere). Applying a seed
// twice changes nothing the second time. An error names the entry; what was applied before it
// stays.
Result<Applied> Apply(Seed& seed, kms::KeyStore& keys, int64_t now_ms);

}  // namespace trent::seed
