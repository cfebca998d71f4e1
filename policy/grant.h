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

// Whether `grant` lets `principal_arn` perform `operation` ("Encrypt") with `context`.
bool GrantAllows(const Grant& grant, std::string_view principal_arn, std::string_view operation,
                 RequestContextPairs context);

}  // namespace trent::policy
