#include "server/ops/shared.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/base64.h"
#include "server/kms/alias.h"
#include "server/kms/aws_managed_keys.h"
#include "server/kms/grants.h"
#include "server/kms/identifiers.h"
#include "server/kms/rotation.h"
#include "server/kms/tags.h"
#include "server/model/codec.h"
#include "server/ops/authorize.h"

namespace trent::ops {

namespace json = boost::json;

std::optional<std::string_view> GetString(const Input& in, std::string_view name) {
  auto it = in.find(name);
  if (it == in.end() || !it->value().is_string()) return std::nullopt;
  return std::string_view(it->value().get_string());
}

size_t PageSize(const Input& in, PageLimits limits) {
  return static_cast<size_t>(
      std::min(GetInt(in, "Limit").value_or(limits.default_size), limits.max_size));
}

std::optional<int64_t> GetInt(const Input& in, std::string_view name) {
  auto it = in.find(name);
  if (it == in.end() || it->value().is_null()) return std::nullopt;
  const json::value& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  return static_cast<int64_t>(v.to_number<double>());
}

bool GetBool(const Input& in, std::string_view name) {
  auto it = in.find(name);
  return it != in.end() && it->value().is_bool() && it->value().get_bool();
}

kms::EncryptionContext GetContext(const Input& in, std::string_view name) {
  kms::EncryptionContext context;
  auto it = in.find(name);
  if (it == in.end() || !it->value().is_object()) return context;
  for (const auto& pair : it->value().get_object()) {
    if (pair.value().is_string()) context.emplace_back(pair.key(), pair.value().get_string());
  }
  return context;
}

namespace {

// The pairs of Constraints.<member>, sorted by key; nullopt when absent.
std::optional<policy::ContextPairs> ReadConstraint(const Input& in, std::string_view member) {
  auto constraints = in.find("Constraints");
  if (constraints == in.end() || !constraints->value().is_object()) return std::nullopt;
  const auto& object = constraints->value().get_object();
  auto it = object.find(member);
  if (it == object.end() || !it->value().is_object()) return std::nullopt;
  policy::ContextPairs pairs;
  for (const auto& [key, value] : it->value().get_object()) {
    if (value.is_string()) pairs.emplace_back(std::string(key), std::string(value.get_string()));
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

}  // namespace

policy::Grant RequestedGrant(const Input& in) {
  policy::Grant grant;
  auto operations = in.find("Operations");
  if (operations != in.end() && operations->value().is_array()) {
    for (const auto& op : operations->value().get_array()) {
      if (op.is_string()) grant.operations.emplace_back(op.get_string());
    }
  }
  grant.context_equals = ReadConstraint(in, policy::kGrantConstraintEquals);
  grant.context_subset = ReadConstraint(in, policy::kGrantConstraintSubset);
  return grant;
}

void PutBlob(Output& out, std::string_view name, std::string_view bytes) {
  // Encoded in place: a temporary copy would leave base64 plaintext behind in freed memory.
  json::string& encoded = out[name].emplace_string();
  encoded.resize(Base64EncodedSize(bytes.size()));
  Base64EncodeTo(bytes, encoded.data());
}

Result<std::vector<kms::Tag>> ReadTags(const Input& in) {
  std::vector<kms::Tag> tags;
  auto it = in.find("Tags");
  if (it == in.end() || !it->value().is_array()) return tags;
  const auto& items = it->value().get_array();
  tags.reserve(items.size());
  for (const auto& item : items) {
    const auto& tag = item.get_object();
    tags.push_back({std::string(tag.at("TagKey").get_string()),
                    std::string(tag.at("TagValue").get_string())});
  }
  TRY_STATUS(kms::CheckTags(tags));
  return tags;
}

Result<int64_t> ParseMarker(std::optional<std::string_view> marker) {
  if (!marker) return int64_t{0};
  int64_t position = 0;
  auto [end, ec] = std::from_chars(marker->data(), marker->data() + marker->size(), position);
  if (ec != std::errc() || end != marker->data() + marker->size() || position < 0) {
    return Status(ErrorCode::kInvalidMarker, "Could not parse marker " + std::string(*marker));
  }
  return position;
}

double ToEpochSeconds(int64_t millis) { return static_cast<double>(millis) / 1000.0; }

Status MissingMember(std::string_view member) {
  return model::ValidationFailure("null", member, "Member must not be null");
}

namespace {

// The AWS managed key AWS creates for `predefined` in the caller's account and region.
Result<kms::NewKeySpec> AwsManagedKeySpec(const Call& call,
                                          const kms::AwsManagedAlias& predefined) {
  kms::NewKeySpec spec;
  spec.account = call.account;
  spec.region = call.region;
  spec.description = predefined.description;
  TRY(spec.policy, kms::AwsManagedKeyPolicy(predefined, call.account, call.region));
  spec.key_manager = kms::kAwsKeyManager;
  spec.rotation_period_days = kms::kAwsManagedRotationPeriodDays;
  return spec;
}

// The key an alias name or alias ARN points to. An alias of another account is never found:
// AWS does not let aliases be used across accounts.
Result<kms::KeyPtr> ResolveAlias(const Call& call, const kms::KeyRef& ref, Services& s) {
  if (kms::AliasPtr alias = s.keys.FindAlias(ref.account, ref.region, ref.alias)) {
    if (kms::KeyPtr key = s.keys.Find(alias->target_key_id)) return key;
  }
  // The first use of a predefined "alias/aws/<service>" creates its AWS managed key, as AWS
  // does. (That one request waits for the key to be stored.)
  if (ref.account == call.account) {
    if (const kms::AwsManagedAlias* predefined = kms::FindPredefinedAwsAlias(ref.alias)) {
      TRY(kms::NewKeySpec spec, AwsManagedKeySpec(call, *predefined));
      return s.keys.FindOrCreateAwsManagedKey(spec, ref.alias, call.now_ms);
    }
  }
  return kms::AliasNotFound(kms::AliasArn(ref.region, ref.account, ref.alias));
}

}  // namespace

namespace {

// The key `key_ref` names, found without authorizing; `alias` gets the alias name when the
// request named the key by one.
Result<kms::KeyPtr> FindKey(const Call& call, std::string_view key_ref, bool ids_only,
                            std::string& alias, Services& s) {
  kms::KeyRef ref = kms::ParseKeyRef(key_ref, call.region, call.account);
  const bool by_alias =
      ref.kind == kms::KeyRef::Kind::kAliasName || ref.kind == kms::KeyRef::Kind::kAliasArn;
  if (ids_only && by_alias) return NotFoundError("Invalid keyId '" + std::string(key_ref) + "'");
  // An ARN of another region is refused before anything else, naming that region (recorded
  // from AWS for key ARNs; applied to alias ARNs too, as AWS's answer for them is not known).
  if (ref.region != call.region) return NotFoundError("Invalid arn " + ref.region);
  if (ref.kind == kms::KeyRef::Kind::kInvalid) {
    return NotFoundError("Invalid keyId '" + std::string(key_ref) + "'");
  }
  if (by_alias) {
    alias = ref.alias;
    return ResolveAlias(call, ref, s);
  }
  for (char& c : ref.key_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  kms::KeyPtr key = s.keys.Find(ref.key_id);
  if (!key || key->account != ref.account || key->region != ref.region) {
    return kms::KeyDoesNotExist(kms::KeyArn(ref.region, ref.account, ref.key_id));
  }
  return key;
}

Result<kms::KeyPtr> FindAndAuthorize(const Call& call, std::string_view key_ref, bool ids_only,
                                     std::string_view action, Services& s) {
  std::string alias;
  TRY(kms::KeyPtr key, FindKey(call, key_ref, ids_only, alias, s));
  TRY_STATUS(AuthorizeKey(call, action, *key, alias, s));
  return key;
}

}  // namespace

Result<kms::KeyPtr> ResolveKey(const Call& call, std::string_view key_ref, Services& s) {
  return FindAndAuthorize(call, key_ref, false, call.action, s);
}

Result<kms::KeyPtr> ResolveKey(const Call& call, std::string_view key_ref, Services& s,
                               std::string_view action) {
  return FindAndAuthorize(call, key_ref, false, action, s);
}

Result<kms::KeyPtr> ResolveKeyIdOnly(const Call& call, std::string_view key_ref, Services& s) {
  return FindAndAuthorize(call, key_ref, true, call.action, s);
}

Status AuthorizeAliasTarget(const Call& call, std::string_view name, Services& s) {
  kms::AliasPtr alias = s.keys.FindAlias(call.account, call.region, name);
  if (!alias) return Status::Ok();
  kms::KeyPtr key = s.keys.Find(alias->target_key_id);
  return key ? AuthorizeKey(call, call.action, *key, {}, s) : Status::Ok();
}

Result<kms::KeyPtr> FindKeyIdOnlyUnauthorized(const Call& call, std::string_view key_ref,
                                              Services& s) {
  std::string alias;
  return FindKey(call, key_ref, true, alias, s);
}

Status RequireUsage(const kms::Key& key, std::string_view usage, std::string_view operation) {
  // AWS checks the usage before the state: a disabled key of another usage gets this error.
  if (key.key_usage != usage) {
    return {ErrorCode::kInvalidKeyUsage, key.arn() + " key usage is " + key.key_usage +
                                             " which is not valid for " + std::string(operation) +
                                             "."};
  }
  return kms::RequireUsable(key);
}

Status RequireEncryptDecrypt(const kms::Key& key, std::string_view operation) {
  return RequireUsage(key, kms::kEncryptDecrypt, operation);
}

Status IncompatibleAlgorithm(const kms::Key& key, std::string_view algorithm) {
  return {ErrorCode::kInvalidKeyUsage, "Algorithm " + std::string(algorithm) +
                                           " is incompatible with key spec " + key.key_spec + "."};
}

Status RequireAlgorithm(const kms::Key& key, std::span<const std::string_view> offered,
                        std::string_view algorithm) {
  for (std::string_view a : offered) {
    if (a == algorithm) return Status::Ok();
  }
  return IncompatibleAlgorithm(key, algorithm);
}

Status RefuseRecipient(const Input& in) {
  if (in.contains("Recipient")) {
    return UnsupportedError("Recipient (Nitro Enclaves attestation) is not supported by trent.");
  }
  return Status::Ok();
}

Status RefuseCustomKeyStore(const Input& in) {
  if (auto store = GetString(in, "CustomKeyStoreId")) {
    return {ErrorCode::kCustomKeyStoreNotFound,
            "Custom key store " + std::string(*store) + " does not exist."};
  }
  return Status::Ok();
}

Result<kms::LocatedCiphertext> LocateCiphertext(const Call& call, const Input& in,
                                                std::string_view key_member,
                                                std::string_view action, Services& s) {
  auto blob = GetString(in, "CiphertextBlob");
  if (!blob) return MissingMember("ciphertextBlob");
  TRY(kms::LocatedCiphertext located, s.crypto.Locate(*blob, call.region));
  TRY_STATUS(AuthorizeKey(call, action, *located.key, {}, s));
  if (auto key_ref = GetString(in, key_member)) {
    TRY(kms::KeyPtr requested, ResolveKey(call, *key_ref, s, action));
    if (requested->id != located.key->id) {
      return Status(ErrorCode::kIncorrectKey,
                    "The key ID in the request does not identify a CMK that can perform this "
                    "operation.");
    }
  }
  return located;
}

Result<KeyChange> ChangeKeyState(const Call& call, const Input& in, Services& s,
                                 Status (*change)(kms::Key&)) {
  TRY(kms::KeyPtr key, ResolveKeyIdOnly(call, *GetString(in, "KeyId"), s));
  return KeyChange{key, change};
}

Status CheckGrantTokens(const Input& in) {
  auto it = in.find("GrantTokens");
  if (it == in.end() || !it->value().is_array()) return Status::Ok();
  for (const auto& token : it->value().get_array()) {
    if (!token.is_string()) continue;  // the decoder already refused other types
    TRY_STATUS(kms::ParseGrantToken(token.get_string()).status());
  }
  return Status::Ok();
}

Status CheckDryRun(const Input& in) {
  if (GetBool(in, "DryRun")) {
    return {ErrorCode::kDryRunOperation,
            "The request would have succeeded, but the DryRun option is set."};
  }
  return Status::Ok();
}

void PutAlgorithms(Output& out, std::string_view member,
                   std::span<const std::string_view> algorithms) {
  if (algorithms.empty()) return;
  json::array list;
  for (std::string_view a : algorithms) list.emplace_back(a);
  out[member] = std::move(list);
}

void PutKeySpec(Output& out, const kms::Key& key) {
  if (kms::SpecOf(key.key_spec).customer_master_key_spec) {
    out["CustomerMasterKeySpec"] = key.key_spec;
  }
  out["KeySpec"] = key.key_spec;
}

Output KeyMetadata(const kms::Key& key) {
  Output m;
  m["AWSAccountId"] = key.account;
  m["KeyId"] = key.id;
  m["Arn"] = key.arn();
  m["CreationDate"] = ToEpochSeconds(key.created_at_ms);
  m["Enabled"] = key.state == kms::KeyState::kEnabled;
  m["Description"] = key.description;
  m["KeyUsage"] = key.key_usage;
  m["KeyState"] = kms::KeyStateName(key.state);
  if (key.deletion_date_ms) m["DeletionDate"] = ToEpochSeconds(*key.deletion_date_ms);
  m["Origin"] = key.origin;
  m["KeyManager"] = key.key_manager;
  PutKeySpec(m, key);
  const kms::KeySpecTraits& spec = kms::SpecOf(key.key_spec);
  PutAlgorithms(m, "EncryptionAlgorithms", kms::EncryptionAlgorithmsOf(spec, key.key_usage));
  PutAlgorithms(m, "SigningAlgorithms", kms::SigningAlgorithmsOf(spec, key.key_usage));
  PutAlgorithms(m, "MacAlgorithms", kms::MacAlgorithmsOf(spec, key.key_usage));
  PutAlgorithms(m, "KeyAgreementAlgorithms", kms::KeyAgreementAlgorithmsOf(spec, key.key_usage));
  m["MultiRegion"] = key.multi_region;
  // AWS shows it for symmetric encryption keys only.
  if (spec.symmetric()) m["CurrentKeyMaterialId"] = key.current_version().key_material_id.Hex();
  return m;
}

}  // namespace trent::ops
