// The seed parser (server/seed/seed.h), which ApplySeed runs on bytes from the admin API:
// arbitrary bytes parsed as a seed. A refusal is ValidationException with a short one-line
// message; a seed that parses holds only keys with a lowercase key id, a known key spec and a
// usage that spec allows, material of the sizes ImportKey takes, and aliases named alias/...
// to key ids; each unknown field ignored has a short one-line warning.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/kms/identifiers.h"
#include "server/kms/key_spec.h"
#include "server/seed/seed.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const trent::seed::SeedDefaults defaults{"111122223333", "us-east-1"};
  auto parsed = trent::seed::Parse(text, defaults);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == trent::ErrorCode::kValidation);
    FUZZ_CHECK(!parsed.status().message().empty());
    // One line, and short: values from the file appear only when short (seed.cpp's Shown).
    FUZZ_CHECK(parsed.status().message().find('\n') == std::string::npos);
    FUZZ_CHECK(parsed.status().message().size() < 1024);
    return 0;
  }
  for (const trent::seed::SeedKey& key : parsed->keys) {
    FUZZ_CHECK(trent::kms::IsKeyUuid(key.spec.key_id));
    FUZZ_CHECK(key.spec.account == parsed->account && key.spec.region == parsed->region);
    const trent::kms::KeySpecTraits* traits = trent::kms::FindKeySpec(key.spec.key_spec);
    FUZZ_CHECK(traits != nullptr && traits->kind.has_value());
    FUZZ_CHECK(traits->allows(key.spec.key_usage));
    FUZZ_CHECK(key.spec.policy.empty() == (key.spec.policy_document == nullptr));
    for (const trent::SecretBytes& material : key.material) {
      if (traits->symmetric()) FUZZ_CHECK(material.size() == 32);
      FUZZ_CHECK(material.size() > 0);
    }
  }
  // An ignored field's warning: one short line, as a refusal's message.
  for (const std::string& warning : parsed->warnings) {
    FUZZ_CHECK(warning.find('\n') == std::string::npos);
    FUZZ_CHECK(warning.size() < 1024);
  }
  for (const trent::seed::SeedAlias& alias : parsed->aliases) {
    FUZZ_CHECK(alias.name.starts_with("alias/"));
    FUZZ_CHECK(trent::kms::IsKeyUuid(alias.target_key_id));
  }
  return 0;
}
