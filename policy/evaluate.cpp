// Evaluate: one request against a parsed Document. On every request's path: no parsing and no
// allocation here.
#include <algorithm>

#include "policy/arn.h"
#include "policy/document.h"
#include "policy/wildcard.h"

namespace trent::policy {
namespace {

// Who the caller is, as principals in a policy can name it.
struct Caller {
  std::string_view arn;
  std::string_view account;
  // For an assumed-role session, arn:<partition>:sts::<account>:assumed-role/<role>/<session>,
  // the role's account and name; empty otherwise.
  std::string_view role_account;
  std::string_view role_name;
};

Caller CallerOf(const Request& request) {
  Caller caller{request.principal_arn, request.principal_account, {}, {}};
  SessionRole(caller.arn, caller.role_account, caller.role_name);
  return caller;
}

// Whether `list` names the role whose session the caller is. IAM (policy elements reference,
// Principal, "IAM role principals" and "Role session principals"): a role ARN in a
// resource-based policy applies to the sessions of the role. The session ARN leaves out the
// role's path; role names are unique in an account, so account and name identify the role.
bool RoleListed(const PrincipalList& list, const Caller& caller) {
  if (caller.role_name.empty()) return false;
  const std::string_view account = caller.role_account, name = caller.role_name;
  return std::any_of(list.roles.begin(), list.roles.end(), [&](const std::string& role) {
    return role.size() == account.size() + 1 + name.size() && role.starts_with(account) &&
           role[account.size()] == ':' && role.ends_with(name);
  });
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

enum class Match { kNone, kAccount, kSelf };

Match PrincipalMatch(const Statement& st, const Caller& caller) {
  if (!st.has_principal) return Match::kSelf;  // an identity policy: its holder
  const PrincipalList& list = st.principals;
  if (!st.not_principal) {
    if (list.any || Contains(list.arns, caller.arn) || RoleListed(list, caller)) {
      return Match::kSelf;
    }
    return Contains(list.accounts, caller.account) ? Match::kAccount : Match::kNone;
  }
  // NotPrincipal: the statement applies unless every principal the request is made as is
  // listed: the caller's ARN (or, for a session, its role), and its account. IAM (policy
  // elements reference, NotPrincipal): AWS checks the account, then the role, then the session,
  // so a user or role left out needs its account listed too. The root is the account itself.
  if (list.any) return Match::kNone;
  const bool identity_listed = Contains(list.arns, caller.arn) || RoleListed(list, caller) ||
                               caller.arn.ends_with(":root");
  const bool account_listed = Contains(list.accounts, caller.account);
  return identity_listed && account_listed ? Match::kNone : Match::kSelf;
}

bool ActionMatches(const Statement& st, std::string_view action) {
  const PatternList& list = st.actions;
  const bool listed =
      list.any ||
      std::any_of(list.exact.begin(), list.exact.end(),
                  [&](const std::string& a) { return EqualsIgnoreCase(a, action); }) ||
      std::any_of(list.patterns.begin(), list.patterns.end(),
                  [&](const std::string& p) { return WildcardMatchIgnoreCase(p, action); });
  return listed != st.not_action;
}

bool ResourceMatches(const Statement& st, std::string_view resource) {
  const PatternList& list = st.resources;
  const bool listed =
      list.any || Contains(list.exact, resource) ||
      std::any_of(list.patterns.begin(), list.patterns.end(),
                  [&](const std::string& p) { return WildcardMatch(p, resource); });
  return listed != st.not_resource;
}

class NoValues final : public ConditionValues {
 public:
  std::optional<std::vector<std::string>> Get(std::string_view) const override {
    return std::nullopt;
  }
};

}  // namespace

Verdict Evaluate(const Document& document, const Request& request) {
  static const NoValues kNoValues;
  const ConditionValues& values = request.conditions ? *request.conditions : kNoValues;
  const Caller caller = CallerOf(request);
  Verdict verdict = Verdict::kNotApplicable;
  for (const Statement& st : document.statements) {
    // Once the caller itself is allowed, only a Deny can change the verdict.
    if (!st.deny && verdict == Verdict::kAllow) continue;
    const Match match = PrincipalMatch(st, caller);
    if (match == Match::kNone || !ActionMatches(st, request.action) ||
        !ResourceMatches(st, request.resource)) {
      continue;
    }
    if (!std::all_of(st.conditions.begin(), st.conditions.end(),
                     [&](const Condition& c) { return ConditionHolds(c, values); })) {
      continue;
    }
    // A Deny naming the caller's account denies everyone in it.
    if (st.deny) return Verdict::kDeny;
    if (match == Match::kSelf) {
      verdict = Verdict::kAllow;
    } else if (verdict == Verdict::kNotApplicable) {
      verdict = Verdict::kAllowAccount;
    }
  }
  return verdict;
}

}  // namespace trent::policy
