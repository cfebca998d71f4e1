#include "server/kms/alias.h"

namespace trent::kms {
namespace {

// AWS's text (recorded from AWS by LocalStack's and aws-controllers-k8s' users).
Status MissingPrefix() {
  return ValidationError(
      "Alias must start with the prefix \"alias/\". Please see "
      "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
}

// AWS answers CreateAlias and UpdateAlias of an "alias/aws/" name with a
// NotAuthorizedException without a message (as moto and local-kms record it).
Status ReservedForAws() { return {ErrorCode::kNotAuthorized, ""}; }

}  // namespace

bool IsAwsAliasName(std::string_view name) {
  return name.substr(0, kAwsAliasPrefix.size()) == kAwsAliasPrefix;
}

Status CheckNewAliasName(std::string_view name) {
  if (name.substr(0, kAliasPrefix.size()) != kAliasPrefix) return MissingPrefix();
  if (IsAwsAliasName(name)) return ReservedForAws();
  // The model's pattern allows ':', AWS does not in an alias name (moto's record of the text).
  if (name.find(':') != std::string_view::npos) {
    return ValidationError(std::string(name) + " contains invalid characters for an alias");
  }
  return Status::Ok();
}

Status CheckAliasNameToUpdate(std::string_view name) {
  if (name.substr(0, kAliasPrefix.size()) != kAliasPrefix) return MissingPrefix();
  if (IsAwsAliasName(name)) return ReservedForAws();
  return Status::Ok();
}

Status CheckAliasNameToDelete(std::string_view name) {
  if (name.substr(0, kAliasPrefix.size()) != kAliasPrefix) return MissingPrefix();
  if (IsAwsAliasName(name)) {
    // local-kms's record of AWS's answer.
    return {ErrorCode::kInvalidState, "The alias " + std::string(name) +
                                          " is a AWS managed alias and cannot be deleted."};
  }
  return Status::Ok();
}

Status AliasNotFound(std::string_view alias_arn) {
  return NotFoundError("Alias " + std::string(alias_arn) + " is not found.");
}

Status AliasAlreadyExists(std::string_view alias_arn) {
  return {ErrorCode::kAlreadyExists,
          "An alias with the name " + std::string(alias_arn) + " already exists"};
}

Status AliasesPerKeyExceeded() {
  // AWS's text (scylladb/scylla-cluster-tests issue 7611, 2024); it names no key.
  return {ErrorCode::kLimitExceeded,
          "Aliases per key quota for this account in this region is " +
              std::to_string(kMaxAliasesPerKey) + ", current usage is " +
              std::to_string(kMaxAliasesPerKey) + "."};
}

Status RequireAliasTarget(const Key& key) {
  // Any state but PendingDeletion (AWS's key-state table for CreateAlias and UpdateAlias).
  return key.state == KeyState::kPendingDeletion ? PendingDeletion(key) : Status::Ok();
}

namespace {

// AWS's key types: symmetric encryption, HMAC, asymmetric.
std::string_view KeyType(const Key& key) {
  if (key.key_spec == kSymmetricDefault) return "symmetric";
  if (key.key_spec.rfind("HMAC_", 0) == 0) return "HMAC";
  return "asymmetric";
}

}  // namespace

Status RequireSameKind(const Key& from, const Key& to, std::string_view alias_arn) {
  // AWS requires the same key type and key usage; its text for a refusal is not recorded
  // anywhere public: this one is trent's. (Only symmetric encryption keys exist so far.)
  if (KeyType(from) != KeyType(to) || from.key_usage != to.key_usage) {
    return ValidationError("Alias " + std::string(alias_arn) + " cannot be moved from a " +
                           std::string(KeyType(from)) + " " + from.key_usage + " key to a " +
                           std::string(KeyType(to)) + " " + to.key_usage + " key.");
  }
  return Status::Ok();
}

}  // namespace trent::kms
