// Key policies and identity policies: parsed and validated as AWS validates them, then
// evaluated for one request. Pure logic: no HTTP, SQL or PKCS#11 here.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace trent::policy {

// The values a request gives a condition key, asked for only when a statement's condition
// names that key (most policies have no conditions: nothing is computed for them).
class ConditionValues {
 public:
  virtual ~ConditionValues() = default;
  // The values of `key` ("kms:EncryptionContext:Purpose", "aws:PrincipalArn", ...), given as
  // the policy spells it: condition key names are case-insensitive, the implementation
  // compares them so. nullopt when the request has no value for the key (Null, IfExists and
  // ForAllValues depend on that difference); a multi-valued key gives each value.
  virtual std::optional<std::vector<std::string>> Get(std::string_view key) const = 0;
};

// Who asks to do what to which resource.
struct Request {
  std::string_view action;             // "kms:Encrypt"
  std::string_view principal_arn;      // "arn:aws:iam::111122223333:user/alice", or an account's
                                       // "arn:aws:iam::111122223333:root"
  std::string_view principal_account;  // "111122223333"
  std::string_view resource;           // the key's ARN; "*" for operations on no key
  const ConditionValues* conditions = nullptr;  // never null when evaluating
};

// What one policy document says about one request.
enum class Verdict {
  kNotApplicable,  // no statement matches: an implicit deny
  kAllow,          // an Allow statement matches the caller itself (its ARN, or "*")
  kAllowAccount,   // an Allow statement matches only the caller's account (its root, or the
                   // account id): the account's identity policies decide (AWS's delegation)
  kDeny,           // a Deny statement matches: an explicit deny, whatever else allows
};

// Which grammar a document follows.
enum class Kind {
  kKeyPolicy,       // a resource policy: each statement needs Principal or NotPrincipal; Sids
                    // may repeat
  kIdentityPolicy,  // attached to a principal: no Principal, each statement needs Resource;
                    // Sids are unique
};

class Document;
using DocumentPtr = std::shared_ptr<const Document>;

// Parses and validates `text`. MalformedPolicyDocumentException with AWS's reason when it is
// not a valid policy of `kind`.
Result<DocumentPtr> Parse(std::string_view text, Kind kind);

// What `document` says about `request`: an explicit deny wins over any allow; an allow of the
// caller itself wins over an allow of its account.
Verdict Evaluate(const Document& document, const Request& request);

// "arn:aws:iam::<account>:root", the principal that stands for a whole account.
std::string AccountRootArn(std::string_view account);

// Whether a principal given in a policy or a grant ("arn:aws:iam::111122223333:root",
// "111122223333", a user, role or assumed-role ARN) is an account rather than one identity.
bool IsAccountPrincipal(std::string_view principal);

}  // namespace trent::policy
