// The parsed form of a policy document (policy.h's Document): what Evaluate walks on every
// request. Action patterns are lower-cased and every list is split into exact values and
// wildcard patterns once, at Parse, so that evaluation neither parses nor allocates.
#pragma once

#include <string>
#include <vector>

#include "policy/condition.h"
#include "policy/policy.h"

namespace trent::policy {

// Values of Action, NotAction, Resource or NotResource.
struct PatternList {
  bool any = false;                   // "*" (or a pattern of `*` only) among them
  std::vector<std::string> exact;     // without wildcards
  std::vector<std::string> patterns;  // with `*` or `?`
};

// Values of Principal or NotPrincipal.
struct PrincipalList {
  bool any = false;                   // "*" or {"AWS": "*"}
  std::vector<std::string> accounts;  // account ids, from "111122223333" or its root ARN
  std::vector<std::string> arns;      // user, role and assumed-role ARNs as written
  // The roles among `arns` as "<account>:<role name>" (the name without the role's path): a
  // session of the role (arn:aws:sts::<account>:assumed-role/<role name>/<session>) matches.
  std::vector<std::string> roles;
  // Service and Federated principals are checked by Parse but kept nowhere: every caller of
  // trent is an IAM identity, which they never match.
};

struct Statement {
  bool deny = false;
  bool not_principal = false;  // `principals` lists NotPrincipal
  bool has_principal = false;  // false in identity policies: the statement is its holder's
  PrincipalList principals;
  bool not_action = false;
  PatternList actions;         // lower case
  bool not_resource = false;
  PatternList resources;
  std::vector<Condition> conditions;  // all must hold
};

class Document {
 public:
  std::vector<Statement> statements;
};

}  // namespace trent::policy
