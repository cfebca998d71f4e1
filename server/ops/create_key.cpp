#include "server/kms/identifiers.h"
#include "server/ops/key_policy.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

// AWS's rules on KeySpec and KeyUsage are checked first, so a request AWS refuses gets AWS's
// answer; then whether trent and the configured HSM can make such a key.
Status CheckCreatable(const Input& in, hsm::Hsm& hsm, std::string& key_spec,
                      std::string& key_usage) {
  auto spec = GetString(in, "KeySpec");
  auto cmk_spec = GetString(in, "CustomerMasterKeySpec");
  if (spec && cmk_spec) {
    return ValidationError(
        "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
        "CustomerMasterKeySpec is deprecated.");
  }
  key_spec = std::string(spec ? *spec : cmk_spec ? *cmk_spec : kms::kSymmetricDefault);
  // The model's enum check has run: every name is a known spec.
  const kms::KeySpecTraits& traits = kms::SpecOf(key_spec);
  auto usage = GetString(in, "KeyUsage");
  if (!traits.symmetric() && !usage) {
    return ValidationError(
        "You must specify a KeyUsage value for all KMS keys except for symmetric encryption "
        "keys.");
  }
  key_usage = std::string(usage.value_or(kms::kEncryptDecrypt));
  if (!traits.allows(key_usage)) {
    // No final period: AWS's text.
    return ValidationError("KeyUsage " + key_usage + " is not compatible with KeySpec " + key_spec);
  }
  if (!traits.kind) {
    // Say first what the configured module lacks, when the spec has standard mechanisms.
    if (!traits.mechanisms.empty()) {
      if (hsm::Capability can = hsm.OffersMechanisms(traits.mechanisms); !can.offered) {
        return UnsupportedError("KeySpec " + key_spec +
                                " is not supported by trent: the configured PKCS#11 module does "
                                "not offer " + can.missing + ".");
      }
    }
    return UnsupportedError("KeySpec " + key_spec + " is not supported by trent: " +
                            std::string(traits.unsupported));
  }
  if (hsm::Capability can = hsm.Supports(*traits.kind); !can.offered) {
    return UnsupportedError("KeySpec " + key_spec +
                            " is not supported here: the configured PKCS#11 module does not "
                            "offer " + can.missing + ".");
  }
  if (auto origin = GetString(in, "Origin"); origin && *origin != "AWS_KMS") {
    return UnsupportedError("Origin " + std::string(*origin) +
                            " is not supported by trent yet: only AWS_KMS keys can be created.");
  }
  TRY_STATUS(RefuseCustomKeyStore(in));
  if (GetBool(in, "MultiRegion")) {
    return UnsupportedError("Multi-Region keys are not supported by trent yet.");
  }
  return Status::Ok();
}

// The key the request asks for, checked and authorized.
Result<kms::NewKeySpec> RequestedKey(const Call& call, const Input& in, Services& s) {
  kms::NewKeySpec spec;
  TRY_STATUS(CheckCreatable(in, s.keys.hsm(), spec.key_spec, spec.key_usage));
  spec.account = call.account;
  spec.region = call.region;
  if (auto policy = GetString(in, "Policy")) {
    // The key's id is chosen now: the lockout safety check evaluates the policy for the key's
    // ARN. Without a policy the key gets the default one (kms::DefaultKeyPolicy).
    TRY(spec.key_id, kms::NewUuid());
    TRY(spec.policy_document,
        ReadNewKeyPolicy(call, in, kms::KeyArn(spec.region, spec.account, spec.key_id),
                         spec.account, s));
    spec.policy = std::string(*policy);
  }
  TRY(spec.tags, ReadTags(in));
  spec.description = std::string(GetString(in, "Description").value_or(""));
  return spec;
}

Result<Output> Created(const Call& call, const kms::KeyPtr& key) {
  call.key_arns.push_back(key->arn());
  Output out;
  out["KeyMetadata"] = KeyMetadata(*key);
  return out;
}

}  // namespace

Result<Output> CreateKey(const Call& call, const Input& in, Services& s) {
  TRY(kms::NewKeySpec spec, RequestedKey(call, in, s));
  TRY(kms::KeyPtr key, s.keys.Create(spec, call.now_ms));
  return Created(call, key);
}

bool CreateKeyLater(const Call& call, const Input& in, Services& s, Finish finish) {
  Result<kms::NewKeySpec> spec = RequestedKey(call, in, s);
  if (!spec.ok()) {
    finish([refused = spec.status()]() -> Result<Output> { return refused; });
    return true;
  }
  if (kms::SpecOf(spec->key_spec).slow_to_make()) return false;
  s.keys.CreateThen(*spec, call.now_ms,
                    [&call, finish = std::move(finish)](Result<kms::KeyPtr> stored) {
                      finish([&call, stored = std::move(stored)]() -> Result<Output> {
                        TRY(kms::KeyPtr key, stored);
                        return Created(call, key);
                      });
                    });
  return true;
}

}  // namespace trent::ops
