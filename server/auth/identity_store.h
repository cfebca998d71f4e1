// Who may call trentd: the identities of --credentials-file, each an access key with its secret,
// account, principal ARN, optional session token and optional identity policies. Free of HTTP:
// the frontend looks callers up here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"

namespace trent::auth {

struct Identity {
  std::string access_key_id;   // "AKIAALICE0000000000"
  std::string secret;          // the secret access key: signs the caller's requests
  std::string session_token;   // temporary credentials only (an assumed-role session); else empty
  std::string account;         // "111111111111"
  std::string arn;             // "arn:aws:iam::111111111111:user/alice"
  // The identity's policies; nullopt when none are on record (then they allow everything), an
  // empty list when the file gives none (then they allow nothing).
  std::optional<std::vector<policy::DocumentPtr>> policies;
};

class IdentityStore {
 public:
  IdentityStore() = default;  // no identities: every caller is unknown

  // Validates each identity (ValidationException naming the entry: its position from 1 and its
  // access key id) and indexes them by access key id, which must be unique.
  static Result<IdentityStore> Create(std::vector<Identity> identities);
  // The YAML form of --credentials-file:
  //   identities:
  //     - access_key_id: AKIAALICE0000000000
  //       secret_access_key: alice-secret
  //       account_id: "111111111111"
  //       arn: arn:aws:iam::111111111111:user/alice
  //       session_token: ...          # optional
  //       policies: ['{"Version": ...}']   # optional identity-policy JSON documents
  // `source` names the text in error messages (the file's path).
  static Result<IdentityStore> FromYaml(std::string_view text, std::string_view source);
  static Result<IdentityStore> LoadFile(const std::string& path);

  // The identity with this access key id; null when there is none.
  const Identity* Find(std::string_view access_key_id) const;
  size_t size() const { return by_key_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, Identity, Hash, std::equal_to<>> by_key_;
};

}  // namespace trent::auth
