// KMS grants: who a grant lets do which operations on its key, under which encryption-context
// constraints. Stored with their key (kms::Key::grants); evaluated here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trent::policy {

using ContextPairs = std::vector<std::pair<std::string, std::string>>;  // sorted by key

// The names of the two grant constraints (the service model's GrantConstraints members).
inline constexpr std::string_view kGrantConstraintEquals = "EncryptionContextEquals";
inline constexpr std::string_view kGrantConstraintSubset = "EncryptionContextSubset";

struct Grant {
  std::string grant_id;              // 64 hex characters
  std::string name;                  // may be empty
  std::string grantee_principal;
  std::string retiring_principal;    // may be empty
  std::string issuing_account;       // "arn:aws:iam::<account>:root" of who created it
  std::vector<std::string> operations;  // "Encrypt", "Decrypt", ... (GrantOperation values)
  // Constraints: at most one of them is set.
  std::optional<ContextPairs> context_equals;
  std::optional<ContextPairs> context_subset;
  int64_t created_at_ms = 0;
};

// The request's encryption context, for a grant's constraints: sorted by key.
using RequestContextPairs = std::span<const std::pair<std::string_view, std::string_view>>;

// Whether `grant` lets `principal_arn` perform `operation` ("Encrypt") with `context`: the
// caller is the grantee, the grant lists the operation itself (a grant for GenerateDataKey does
// not give GenerateDataKeyWithoutPlaintext), and, for the operations that take an encryption
// context, the context meets the grant's constraint (EncryptionContextEquals: the same pairs;
// EncryptionContextSubset: at least the grant's pairs; keys compared without regard to case,
// values exactly, as the service model's GrantConstraints says).
bool GrantAllows(const Grant& grant, std::string_view principal_arn, std::string_view operation,
                 RequestContextPairs context);

// Whether `child`, a grant made with the CreateGrant permission that `parent` gives, stays
// within it (KMS Developer Guide, "Granting CreateGrant permission"): it allows only operations
// the parent allows, and every encryption context its constraints let through, the parent's let
// through too (a child may add pairs to an EncryptionContextSubset or turn it into an
// EncryptionContextEquals, not the reverse). Constraint keys compare without regard to case.
bool GrantWithin(const Grant& child, const Grant& parent);

// Whether a principal named in a grant (grantee or retiring principal) stands for the caller:
// the same ARN; an account (its id or root ARN) for any identity of that account; a role for
// its assumed-role sessions.
bool PrincipalMatches(std::string_view grant_principal, std::string_view principal_arn);

// Whether the grant lists `operation` ("RetireGrant", ...).
bool GrantListsOperation(const Grant& grant, std::string_view operation);

// Whether requests of `operation` (a GrantOperation value) carry an encryption context, so that
// grant constraints apply to them (Encrypt, Decrypt, ReEncryptFrom/To, GenerateDataKey*).
bool OperationTakesContext(std::string_view operation);

// Who may retire a grant (AWS's "Retiring and revoking grants"): its retiring principal, its
// grantee when the grant lists RetireGrant, and the account that issued it (whose identities
// get the permission through their identity policies, which trent checks elsewhere).
bool MayRetire(const Grant& grant, std::string_view principal_arn,
               std::string_view principal_account);

}  // namespace trent::policy
