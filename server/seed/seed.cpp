#include "server/seed/seed.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <map>
#include <set>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/openssl_ptr.h"
#include "server/kms/alias.h"
#include "server/kms/identifiers.h"
#include "server/kms/key_policy.h"
#include "server/kms/key_spec.h"
#include "server/kms/tags.h"

namespace trent::seed {
namespace {

using YAML::Node;

// AWS's bounds: DescribeKey's Description, a tag's key and value, RotationPeriodInDays, an
// alias name; the rotation period AWS gives a key when it turns rotation on without one.
constexpr size_t kMaxDescription = 8192;
constexpr size_t kMaxTagKey = 128;
constexpr size_t kMaxTagValue = 256;
constexpr int32_t kMinRotationDays = 90;
constexpr int32_t kMaxRotationDays = 2560;
constexpr int32_t kDefaultRotationDays = 365;
constexpr size_t kMaxAliasName = 256;
constexpr size_t kAesKeyBytes = 32;
// The key spec of an Ed25519 PrivateKeyPem (in Keys.Asymmetric.Ecc, as AWS names it ECC_).
constexpr std::string_view kEd25519Spec = "ECC_NIST_EDWARDS25519";

Status Bad(const std::string& entry, const std::string& what) {
  return ValidationError(entry + ": " + what);
}

// A value from the file for a message: quoted when it is short printable text; else only its
// size, so that key material put in the wrong place (or a broken indentation that turns the
// lines after it into one name) never reaches a message or a log line.
constexpr size_t kMaxShown = 48;
std::string Shown(std::string_view value) {
  const bool printable = std::all_of(value.begin(), value.end(),
                                     [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (printable && value.size() <= kMaxShown) return "'" + std::string(value) + "'";
  return "a value of " + std::to_string(value.size()) + " bytes (not shown)";
}

std::string Indexed(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

// What parsing carries from entry to entry: the key ids seen, and the warnings so far.
struct ParseContext {
  std::set<std::string> ids;
  std::vector<std::string> warnings;
};

// `node` must be a mapping. A field not among `allowed` is ignored, as local-kms ignores it,
// with a warning naming the entry and the field.
Status RequireMap(const Node& node, const std::string& entry,
                  std::initializer_list<std::string_view> allowed, ParseContext& cx) {
  if (!node.IsMap()) return Bad(entry, "must be a mapping");
  for (const auto& field : node) {
    if (!field.first.IsScalar()) return Bad(entry, "has a field name that is not text");
    const std::string& name = field.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      cx.warnings.push_back(entry + ": unknown field " + Shown(name) + " ignored");
    }
  }
  return Status::Ok();
}

// A text field of a mapping; nullopt when absent or null.
Result<std::optional<std::string>> Text(const Node& map, const char* field,
                                        const std::string& entry) {
  const Node node = map[field];
  if (!node || node.IsNull()) return std::optional<std::string>();
  if (!node.IsScalar()) return Bad(entry, std::string(field) + " must be text");
  return std::optional<std::string>(node.Scalar());
}

// A sequence field; a null node when absent.
Result<Node> List(const Node& map, const char* field, const std::string& entry) {
  const Node node = map[field];
  if (!node || node.IsNull()) return Node();
  if (!node.IsSequence()) return Bad(entry, std::string(field) + " must be a list");
  return node;
}

Result<bool> Flag(const Node& map, const char* field, bool fallback, const std::string& entry) {
  TRY(std::optional<std::string> text, Text(map, field, entry));
  if (!text) return fallback;
  if (*text == "true" || *text == "True" || *text == "TRUE") return true;
  if (*text == "false" || *text == "False" || *text == "FALSE") return false;
  return Bad(entry, std::string(field) + " must be true or false");
}

// `hex` decoded; nullopt when it is not hex (an odd length included: HexDecodeInto wants
// exactly two digits a byte).
std::optional<SecretBytes> Unhex(std::string_view hex) {
  SecretBytes out(hex.size() / 2);
  if (!HexDecodeInto(hex, out.data(), out.size(), HexCase::kAny)) return std::nullopt;
  return out;
}

// RFC 3339 ("2019-09-12T15:19:21+00:00", "...Z", fractions of a second allowed) or a date
// ("2019-09-12", midnight UTC), as milliseconds since the epoch.
std::optional<int64_t> ParseDate(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, used = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10) {
    return std::nullopt;
  }
  size_t pos = 10;
  int64_t offset_s = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &used) != 3 ||
        used != 8) {
      return std::nullopt;
    }
    pos += 9;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    }
    if (pos == text.size()) return std::nullopt;
    if (text[pos] == 'Z' || text[pos] == 'z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      int oh = 0, om = 0;
      if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &oh, &om, &used) != 2 || used != 5 ||
          oh > 23 || om > 59) {
        return std::nullopt;
      }
      offset_s = (text[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
      pos += 6;
    } else {
      return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const time_t t = timegm(&tm);
  if (t == static_cast<time_t>(-1)) return std::nullopt;
  return (static_cast<int64_t>(t) - offset_s) * kMillisPerSecond;
}

int NoPassphrase(char*, int, int, void*) { return -1; }

// A PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted; Ed25519 in PKCS#8) as DER
// PKCS#8, with the key spec it is.
struct PemKey {
  SecretBytes pkcs8;
  std::string key_spec;
};

Result<PemKey> ReadPem(const std::string& pem, const std::string& entry) {
  std::unique_ptr<BIO, openssl::Deleter<BIO_free>> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return InternalError("BIO_new_mem_buf failed");
  openssl::PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!key) {
    return Bad(entry, "PrivateKeyPem is not an unencrypted PEM private key (PKCS#8, RSA or EC)");
  }
  PemKey out;
  if (EVP_PKEY_is_a(key.get(), "RSA")) {
    out.key_spec = "RSA_" + std::to_string(EVP_PKEY_get_bits(key.get()));
  } else if (EVP_PKEY_is_a(key.get(), "EC")) {
    char group[80] = "";
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                       sizeof group, &len) != 1) {
      ERR_clear_error();
      return Bad(entry, "PrivateKeyPem is an EC key on no named curve");
    }
    static constexpr std::pair<std::string_view, std::string_view> kCurves[] = {
        {"prime256v1", "ECC_NIST_P256"},
        {"secp384r1", "ECC_NIST_P384"},
        {"secp521r1", "ECC_NIST_P521"},
        {"secp256k1", "ECC_SECG_P256K1"},
    };
    const std::string_view name(group, len);
    for (const auto& [curve, spec] : kCurves) {
      if (curve == name) out.key_spec = spec;
    }
    if (out.key_spec.empty()) {
      return Bad(entry, "PrivateKeyPem is an EC key on curve " + std::string(name) +
                            ", which no KMS key spec uses");
    }
  } else if (EVP_PKEY_is_a(key.get(), "ED25519")) {
    out.key_spec = kEd25519Spec;
  } else {
    return Bad(entry, "PrivateKeyPem must be an RSA, EC or Ed25519 private key");
  }
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, openssl::Deleter<PKCS8_PRIV_KEY_INFO_free>> p8(
      EVP_PKEY2PKCS8(key.get()));
  unsigned char* der = nullptr;
  const int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der) : -1;
  ERR_clear_error();
  if (n <= 0) return InternalError("cannot encode a seeded private key as PKCS#8");
  out.pkcs8 = SecretBytes(static_cast<size_t>(n));
  std::copy(der, der + n, out.pkcs8.data());
  OPENSSL_clear_free(der, static_cast<size_t>(n));
  return out;
}

// What every key entry shares: Metadata's KeyId, Description, Enabled; Tags and Policy.
Status ReadCommon(const Node& item, const Node& metadata, const std::string& entry,
                  SeedKey& key, ParseContext& cx) {
  TRY(std::optional<std::string> id, Text(metadata, "KeyId", entry));
  if (!id) return Bad(entry, "Metadata.KeyId is missing");
  if (!kms::IsKeyUuid(*id) || std::any_of(id->begin(), id->end(), [](char c) {
        return c >= 'A' && c <= 'F';
      })) {
    return Bad(entry, "Metadata.KeyId must be a key id in lowercase "
                      "(1234abcd-12ab-34cd-56ef-1234567890ab), got " + Shown(*id));
  }
  if (!cx.ids.insert(*id).second) return Bad(entry, "KeyId " + *id + " is seeded twice");
  key.spec.key_id = *id;
  TRY(std::optional<std::string> description, Text(metadata, "Description", entry));
  if (description) {
    if (description->size() > kMaxDescription) {
      return Bad(entry, "Metadata.Description is longer than 8192 characters");
    }
    key.spec.description = *description;
  }
  TRY(key.enabled, Flag(metadata, "Enabled", true, entry));

  TRY(Node tags, List(item, "Tags", entry));
  for (size_t i = 0; tags && i < tags.size(); ++i) {
    const std::string where = entry + ".Tags[" + std::to_string(i) + "]";
    TRY_STATUS(RequireMap(tags[i], where, {"TagKey", "TagValue"}, cx));
    TRY(std::optional<std::string> tag_key, Text(tags[i], "TagKey", where));
    TRY(std::optional<std::string> tag_value, Text(tags[i], "TagValue", where));
    if (!tag_key || tag_key->empty() || tag_key->size() > kMaxTagKey) {
      return Bad(where, "TagKey must be 1 to 128 characters");
    }
    if (tag_value && tag_value->size() > kMaxTagValue) {
      return Bad(where, "TagValue must be at most 256 characters");
    }
    key.spec.tags.push_back({*tag_key, tag_value.value_or("")});
  }
  if (Status st = kms::CheckTags(key.spec.tags); !st.ok()) {
    return Bad(entry, "Tags: " + st.message());
  }

  TRY(std::optional<std::string> policy, Text(item, "Policy", entry));
  if (policy) {
    Result<policy::DocumentPtr> document = kms::ParseKeyPolicy(*policy);
    if (!document.ok()) return Bad(entry, "Policy: " + document.status().message());
    key.spec.policy = *policy;
    key.spec.policy_document = *std::move(document);
  }
  return Status::Ok();
}

// The spec and usage of Metadata (KeySpec, KeyUsage), checked against the section's specs.
Status ReadSpecAndUsage(const Node& metadata, const std::string& entry,
                        std::string_view default_spec, std::string_view spec_prefix,
                        SeedKey& key) {
  TRY(std::optional<std::string> spec_name, Text(metadata, "KeySpec", entry));
  const std::string name = spec_name.value_or(std::string(default_spec));
  const kms::KeySpecTraits* traits = kms::FindKeySpec(name);
  if (!traits || !std::string_view(name).starts_with(spec_prefix)) {
    return Bad(entry, "Metadata.KeySpec " + Shown(name) + " is not a key spec of this section");
  }
  if (!traits->kind) return Bad(entry, std::string(traits->unsupported));
  key.spec.key_spec = name;
  TRY(std::optional<std::string> usage, Text(metadata, "KeyUsage", entry));
  key.spec.key_usage = usage.value_or(std::string(traits->usages.front()));
  if (!traits->allows(key.spec.key_usage)) {
    return Bad(entry, "Metadata.KeyUsage " + Shown(key.spec.key_usage) + " is not a usage of " + name);
  }
  return Status::Ok();
}

Result<std::string> ReadOrigin(const Node& metadata, const std::string& entry) {
  TRY(std::optional<std::string> origin, Text(metadata, "Origin", entry));
  if (!origin || *origin == kms::kOriginAwsKms) return std::string(kms::kOriginAwsKms);
  if (*origin == kms::kOriginExternal) return std::string(kms::kOriginExternal);
  return Bad(entry, "Metadata.Origin must be AWS_KMS or EXTERNAL, got " + Shown(*origin));
}

// Keys.Symmetric.Aes[i] (local-kms's), and trent's Keys.Symmetric.Hmac[i].
Result<SeedKey> ReadSymmetric(const Node& item, const std::string& entry, bool hmac,
                              ParseContext& cx) {
  SeedKey key;
  key.entry = entry;
  if (hmac) {
    TRY_STATUS(RequireMap(item, entry, {"Metadata", "BackingKeys", "Tags", "Policy"}, cx));
  } else {
    TRY_STATUS(RequireMap(item, entry, {"Metadata", "BackingKeys", "NextKeyRotation",
                                        "RotationPeriodInDays", "Tags", "Policy"}, cx));
  }
  const Node metadata = item["Metadata"];
  if (!metadata) return Bad(entry, "Metadata is missing");
  TRY_STATUS(RequireMap(metadata, entry + ".Metadata",
                        {"KeyId", "Description", "Enabled", "Origin", "KeyUsage", "KeySpec"}, cx));
  TRY_STATUS(ReadCommon(item, metadata, entry, key, cx));
  if (hmac) {
    TRY(std::optional<std::string> spec, Text(metadata, "KeySpec", entry));
    if (!spec) return Bad(entry, "Metadata.KeySpec is missing (HMAC_224, HMAC_256, ...)");
    TRY_STATUS(ReadSpecAndUsage(metadata, entry, "", "HMAC_", key));
  } else {
    TRY_STATUS(ReadSpecAndUsage(metadata, entry, kms::kSymmetricDefault, kms::kSymmetricDefault,
                                key));
  }
  TRY(key.spec.origin, ReadOrigin(metadata, entry));

  TRY(Node backing, List(item, "BackingKeys", entry));
  const size_t versions = backing ? backing.size() : 0;
  const hsm::KeyKind kind = *kms::FindKeySpec(key.spec.key_spec)->kind;
  for (size_t i = 0; i < versions; ++i) {
    const std::string where = "BackingKeys[" + std::to_string(i) + "]";
    std::optional<SecretBytes> material;
    if (backing[i].IsScalar()) material = Unhex(backing[i].Scalar());
    if (!hmac) {
      if (!material || material->size() != kAesKeyBytes) {
        return Bad(entry, where + " is not 32 bytes of hex");
      }
    } else {
      // AWS's sizes of imported HMAC material: the digest size up to the hash's block size.
      const size_t min = kind == hsm::KeyKind::kHmac224   ? 28
                         : kind == hsm::KeyKind::kHmac256 ? 32
                         : kind == hsm::KeyKind::kHmac384 ? 48
                                                          : 64;
      const size_t max = min <= 32 ? 64 : 128;
      if (!material || material->size() < min || material->size() > max) {
        return Bad(entry, where + " is not " + std::to_string(min) + " to " +
                              std::to_string(max) + " bytes of hex");
      }
    }
    for (size_t j = 0; j < key.material.size(); ++j) {
      if (key.material[j].view() == material->view()) {
        return Bad(entry, where + " repeats BackingKeys[" + std::to_string(j) + "]");
      }
    }
    key.material.push_back(std::move(*material));
  }
  if (key.spec.origin == kms::kOriginExternal && versions != 1) {
    return Bad(entry, "an EXTERNAL key needs exactly one BackingKeys entry (trent has no keys "
                      "pending import)");
  }
  if (hmac && versions > 1) return Bad(entry, "an HMAC key takes one BackingKeys entry at most");

  TRY(std::optional<std::string> next, Text(item, "NextKeyRotation", entry));
  TRY(std::optional<std::string> period, Text(item, "RotationPeriodInDays", entry));
  if (next || period) {
    if (key.spec.origin != kms::kOriginAwsKms) {
      return Bad(entry, "an EXTERNAL key does not rotate (NextKeyRotation, RotationPeriodInDays)");
    }
    int32_t days = kDefaultRotationDays;
    if (period) {
      int parsed = 0, used = 0;
      if (std::sscanf(period->c_str(), "%d%n", &parsed, &used) != 1 ||
          used != static_cast<int>(period->size()) || parsed < kMinRotationDays ||
          parsed > kMaxRotationDays) {
        return Bad(entry, "RotationPeriodInDays must be a whole number from 90 to 2560");
      }
      days = parsed;
    }
    key.spec.rotation_period_days = days;
    if (next) {
      std::optional<int64_t> date = ParseDate(*next);
      if (!date) {
        return Bad(entry, "NextKeyRotation must be an ISO 8601 date "
                          "(2019-09-12T15:19:21+00:00), got " + Shown(*next));
      }
      key.spec.next_rotation_ms = date;
    }
  }
  return key;
}

// Keys.Asymmetric.Rsa[i] and Keys.Asymmetric.Ecc[i].
Result<SeedKey> ReadAsymmetric(const Node& item, const std::string& entry,
                               std::string_view spec_prefix, ParseContext& cx) {
  SeedKey key;
  key.entry = entry;
  TRY_STATUS(RequireMap(item, entry, {"Metadata", "PrivateKeyPem", "Tags", "Policy"}, cx));
  const Node metadata = item["Metadata"];
  if (!metadata) return Bad(entry, "Metadata is missing");
  TRY_STATUS(RequireMap(metadata, entry + ".Metadata",
                        {"KeyId", "Description", "Enabled", "Origin", "KeyUsage", "KeySpec"}, cx));
  TRY_STATUS(ReadCommon(item, metadata, entry, key, cx));
  TRY(std::string origin, ReadOrigin(metadata, entry));
  if (origin != kms::kOriginAwsKms) return Bad(entry, "Metadata.Origin must be AWS_KMS");
  TRY(std::optional<std::string> pem, Text(item, "PrivateKeyPem", entry));
  TRY(std::optional<std::string> spec, Text(metadata, "KeySpec", entry));
  std::string default_spec;
  if (pem) {
    TRY(PemKey parsed, ReadPem(*pem, entry));
    if (!std::string_view(parsed.key_spec).starts_with(spec_prefix)) {
      return Bad(entry, "PrivateKeyPem is a " + parsed.key_spec + " key, not one of this section");
    }
    if (spec && *spec != parsed.key_spec) {
      return Bad(entry, "PrivateKeyPem is a " + parsed.key_spec + " key, not " + *spec);
    }
    default_spec = parsed.key_spec;
    key.material.push_back(std::move(parsed.pkcs8));
  } else if (!spec) {
    return Bad(entry, "PrivateKeyPem is missing (or Metadata.KeySpec, for a key generated in "
                      "the HSM)");
  }
  TRY_STATUS(ReadSpecAndUsage(metadata, entry, default_spec, spec_prefix, key));
  return key;
}

Status CheckAccount(const std::string& account) {
  if (account.size() != 12 || !std::all_of(account.begin(), account.end(), [](char c) {
        return c >= '0' && c <= '9';
      })) {
    return Bad("Account", "must be 12 digits, got " + Shown(account));
  }
  return Status::Ok();
}

Status CheckRegion(const std::string& region) {
  if (region.empty() || !std::all_of(region.begin(), region.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      })) {
    return Bad("Region", "must be a region name (lowercase letters, digits, -), got " +
                             Shown(region));
  }
  return Status::Ok();
}

template <typename ReadOne>
Status ReadSection(const Node& parent, const char* field, const std::string& path,
                   const ReadOne& read_one, Seed& seed) {
  TRY(Node list, List(parent, field, path));
  for (size_t i = 0; list && i < list.size(); ++i) {
    TRY(SeedKey key, read_one(list[i], Indexed(path + "." + field, i)));
    seed.keys.push_back(std::move(key));
  }
  return Status::Ok();
}

Result<Seed> ParseDocument(const Node& root, const SeedDefaults& defaults, ParseContext& cx) {
  Seed seed;
  if (!root || root.IsNull()) {
    seed.account = defaults.account;
    seed.region = defaults.region;
    return seed;
  }
  TRY_STATUS(RequireMap(root, "the seed", {"Keys", "Aliases", "Account", "Region"}, cx));
  TRY(std::optional<std::string> account, Text(root, "Account", "the seed"));
  TRY(std::optional<std::string> region, Text(root, "Region", "the seed"));
  seed.account = account.value_or(defaults.account);
  seed.region = region.value_or(defaults.region);
  TRY_STATUS(CheckAccount(seed.account));
  TRY_STATUS(CheckRegion(seed.region));

  auto aes = [&](const Node& item, const std::string& entry) {
    return ReadSymmetric(item, entry, false, cx);
  };
  const Node keys = root["Keys"];
  if (keys && keys.IsSequence()) {
    // local-kms's first format: a list of AES keys.
    for (size_t i = 0; i < keys.size(); ++i) {
      TRY(SeedKey key, aes(keys[i], Indexed("Keys", i)));
      seed.keys.push_back(std::move(key));
    }
  } else if (keys && !keys.IsNull()) {
    TRY_STATUS(RequireMap(keys, "Keys", {"Symmetric", "Asymmetric"}, cx));
    const Node symmetric = keys["Symmetric"];
    if (symmetric && !symmetric.IsNull()) {
      TRY_STATUS(RequireMap(symmetric, "Keys.Symmetric", {"Aes", "Hmac"}, cx));
      TRY_STATUS(ReadSection(symmetric, "Aes", "Keys.Symmetric", aes, seed));
      TRY_STATUS(ReadSection(
          symmetric, "Hmac", "Keys.Symmetric",
          [&](const Node& item, const std::string& entry) {
            return ReadSymmetric(item, entry, true, cx);
          },
          seed));
    }
    const Node asymmetric = keys["Asymmetric"];
    if (asymmetric && !asymmetric.IsNull()) {
      TRY_STATUS(RequireMap(asymmetric, "Keys.Asymmetric", {"Rsa", "Ecc"}, cx));
      TRY_STATUS(ReadSection(
          asymmetric, "Rsa", "Keys.Asymmetric",
          [&](const Node& item, const std::string& entry) {
            return ReadAsymmetric(item, entry, "RSA_", cx);
          },
          seed));
      TRY_STATUS(ReadSection(
          asymmetric, "Ecc", "Keys.Asymmetric",
          [&](const Node& item, const std::string& entry) {
            return ReadAsymmetric(item, entry, "ECC_", cx);
          },
          seed));
    }
  }

  TRY(Node aliases, List(root, "Aliases", "the seed"));
  std::set<std::string> names;
  for (size_t i = 0; aliases && i < aliases.size(); ++i) {
    SeedAlias alias;
    alias.entry = Indexed("Aliases", i);
    TRY_STATUS(RequireMap(aliases[i], alias.entry, {"AliasName", "TargetKeyId"}, cx));
    TRY(std::optional<std::string> name, Text(aliases[i], "AliasName", alias.entry));
    TRY(std::optional<std::string> target, Text(aliases[i], "TargetKeyId", alias.entry));
    if (!name) return Bad(alias.entry, "AliasName is missing");
    if (!target) return Bad(alias.entry, "TargetKeyId is missing");
    const bool chars = std::all_of(name->begin(), name->end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '/' || c == '_' || c == '-';
    });
    if (name->size() > kMaxAliasName || !chars) {
      return Bad(alias.entry, "AliasName must be at most 256 letters, digits, /, _ or -");
    }
    if (Status st = kms::CheckNewAliasName(*name); !st.ok()) {
      return Bad(alias.entry, "AliasName: " + st.message());
    }
    if (!names.insert(*name).second) return Bad(alias.entry, *name + " is seeded twice");
    if (!kms::IsKeyUuid(*target)) {
      return Bad(alias.entry, "TargetKeyId must be a key id, got " + Shown(*target));
    }
    alias.name = *name;
    alias.target_key_id = *target;
    seed.aliases.push_back(std::move(alias));
  }
  for (SeedKey& key : seed.keys) {
    key.spec.account = seed.account;
    key.spec.region = seed.region;
  }
  seed.warnings = std::move(cx.warnings);
  return seed;
}

// Whether `existing` is what `key` would have made.
Status CheckSame(const SeedKey& key, const kms::Key& existing) {
  auto differs = [&](const std::string& what) {
    return Bad(key.entry, "key " + existing.id + " exists already with another " + what +
                              " (a seed leaves existing keys as they are)");
  };
  if (existing.account != key.spec.account || existing.region != key.spec.region) {
    return differs("account or region");
  }
  if (existing.origin != key.spec.origin) return differs("Origin");
  if (existing.key_spec != key.spec.key_spec) return differs("KeySpec");
  if (existing.key_usage != key.spec.key_usage) return differs("KeyUsage");
  for (size_t i = 0; i < key.material.size(); ++i) {
    TRY(kms::SeededIds ids, kms::SeededVersionIds(existing.id, key.material[i]));
    if (i >= existing.versions.size() || existing.versions[i]->id != ids.version_id) {
      return differs("key material");
    }
  }
  return Status::Ok();
}

// An alias whose TargetKeyId names no key of the seed's account and region.
Status NoSuchTarget(const Seed& seed, const SeedAlias& alias) {
  return Bad(alias.entry, "TargetKeyId " + alias.target_key_id + " is no key of account " +
                              seed.account + " in " + seed.region);
}

// What Apply is to create, decided on the store as it is before anything is created.
struct Plan {
  std::vector<SeedKey*> keys;
  std::vector<const SeedAlias*> aliases;
};

// Every entry checked against the store: what a creation would refuse is refused here, before
// anything is created. Counts what exists already into `applied`.
Result<Plan> CheckPlan(Seed& seed, kms::KeyStore& keys, Applied& applied) {
  Plan plan;
  std::set<std::string> new_ids;
  for (SeedKey& key : seed.keys) {
    if (kms::KeyPtr existing = keys.Find(key.spec.key_id)) {
      TRY_STATUS(CheckSame(key, *existing));
      ++applied.keys_existing;
      continue;
    }
    plan.keys.push_back(&key);
    new_ids.insert(key.spec.key_id);
  }
  if (!plan.keys.empty()) {
    const int64_t held = keys.CustomerKeyCount(seed.account, seed.region);
    const int64_t room = std::max<int64_t>(0, keys.key_quota() - held);
    if (static_cast<int64_t>(plan.keys.size()) > room) {
      const SeedKey& beyond = *plan.keys[static_cast<size_t>(room)];
      return Bad(beyond.entry, "the key quota of account " + seed.account + " in " +
                                   seed.region + " is " + std::to_string(keys.key_quota()) +
                                   " keys; " + std::to_string(held) +
                                   " exist and this seed would create " +
                                   std::to_string(plan.keys.size()));
    }
  }
  std::map<std::string, size_t> new_aliases_of;  // target key id -> aliases this seed adds
  for (const SeedAlias& alias : seed.aliases) {
    if (kms::AliasPtr existing = keys.FindAlias(seed.account, seed.region, alias.name)) {
      if (existing->target_key_id != alias.target_key_id) {
        spdlog::warn("seed: {}: {} exists already and points to {}, not {}; left as it is",
                     alias.entry, alias.name, existing->target_key_id, alias.target_key_id);
      }
      ++applied.aliases_existing;
      continue;
    }
    size_t& added = new_aliases_of[alias.target_key_id];
    if (new_ids.count(alias.target_key_id) == 0) {
      kms::KeyPtr target = keys.Find(alias.target_key_id);
      if (!target || target->account != seed.account || target->region != seed.region) {
        return NoSuchTarget(seed, alias);
      }
      if (Status usable = kms::RequireAliasTarget(*target); !usable.ok()) {
        return Bad(alias.entry, usable.message());
      }
      if (keys.AliasesOf(target->id).size() + added >= kms::kMaxAliasesPerKey) {
        return Bad(alias.entry, kms::AliasesPerKeyExceeded().message());
      }
    } else if (added >= kms::kMaxAliasesPerKey) {
      return Bad(alias.entry, "key " + alias.target_key_id + " would have more than " +
                                  std::to_string(kms::kMaxAliasesPerKey) + " aliases");
    }
    ++added;
    plan.aliases.push_back(&alias);
  }
  return plan;
}

// What Apply has created so far, to undo it when a later creation fails.
struct Creations {
  std::vector<kms::KeyPtr> keys;
  std::vector<const SeedAlias*> aliases;
};

Status CreatePlanned(Seed& seed, const Plan& plan, kms::KeyStore& keys, int64_t now_ms,
                     Creations& done, Applied& applied) {
  for (SeedKey* key : plan.keys) {
    key->spec.material = key->material;
    Result<kms::KeyPtr> created = keys.Create(key->spec, now_ms);
    if (!created.ok()) return Bad(key->entry, created.status().message());
    done.keys.push_back(*created);
    if (!key->enabled) {
      Result<kms::KeyPtr> disabled = keys.Update(**created, kms::Disable);
      if (!disabled.ok()) return Bad(key->entry, disabled.status().message());
    }
    ++applied.keys_created;
  }
  for (const SeedAlias* alias : plan.aliases) {
    kms::KeyPtr target = keys.Find(alias->target_key_id);
    if (!target) {
      return NoSuchTarget(seed, *alias);
    }
    Status created = keys.CreateAlias(seed.account, seed.region, alias->name, *target, now_ms);
    if (!created.ok()) return Bad(alias->entry, created.message());
    done.aliases.push_back(alias);
    ++applied.aliases_created;
  }
  return Status::Ok();
}

// Removes what `done` lists: the aliases, then the keys (their material in the HSM with them).
Status UndoCreations(const Seed& seed, kms::KeyStore& keys, const Creations& done) {
  Status first = Status::Ok();
  for (auto it = done.aliases.rbegin(); it != done.aliases.rend(); ++it) {
    Status deleted = keys.DeleteAlias(seed.account, seed.region, (*it)->name);
    if (!deleted.ok() && first.ok()) first = deleted;
  }
  Result<size_t> purged = keys.DeleteKeys(done.keys);
  if (!purged.ok() && first.ok()) first = purged.status();
  return first;
}

}  // namespace

Result<Seed> Parse(std::string_view text, const SeedDefaults& defaults) {
  if (text.size() > kMaxSeedBytes) {
    return ValidationError("the seed is larger than " + std::to_string(kMaxSeedBytes) +
                           " bytes");
  }
  try {
    const Node root = YAML::Load(std::string(text));
    ParseContext cx;
    return ParseDocument(root, defaults, cx);
  } catch (const YAML::Exception& e) {
    // e.msg alone: what() repeats the position.
    // yaml-cpp's message may quote a character of the text (an unknown escape): only printable
    // text passes, so that the message stays one line.
    std::string why = e.msg;
    for (char& c : why) {
      if (c < 0x20 || c > 0x7e) c = '?';
    }
    return ValidationError("not YAML: line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + why.substr(0, kMaxShown * 2));
  } catch (const std::exception& e) {
    return ValidationError("not a seed: " + Shown(e.what()));
  }
}

void LogWarnings(const Seed& seed) {
  for (const std::string& warning : seed.warnings) spdlog::warn("seed: {}", warning);
}

Result<Applied> Apply(Seed& seed, kms::KeyStore& keys, int64_t now_ms) {
  Applied applied;
  TRY(Plan plan, CheckPlan(seed, keys, applied));
  Creations done;
  Status status = CreatePlanned(seed, plan, keys, now_ms, done, applied);
  if (status.ok()) return applied;
  if (Status undone = UndoCreations(seed, keys, done); !undone.ok()) {
    spdlog::error("seed: undoing a failed seed left {} key(s) and {} alias(es) it created: {}",
                  done.keys.size(), done.aliases.size(), undone.message());
    return Status(status.code(), status.message() + " (undoing what the seed created failed: " +
                                     undone.message() + ")");
  }
  return status;
}

}  // namespace trent::seed
