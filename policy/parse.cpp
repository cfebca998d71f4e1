// Parse: a policy document's JSON, validated as AWS KMS validates key policies, compiled into
// a Document (document.h).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <set>

#include "policy/arn.h"
#include "policy/document.h"
#include "policy/messages.h"
#include "policy/wildcard.h"

namespace trent::policy {
namespace {

namespace json = boost::json;

// A JSON string, or each string of a non-empty array of strings; false for anything else.
bool StringList(const json::value& v, std::vector<std::string_view>& out) {
  if (const json::string* s = v.if_string()) {
    out.emplace_back(s->data(), s->size());
    return true;
  }
  const json::array* a = v.if_array();
  if (a == nullptr || a->empty()) return false;
  for (const json::value& item : *a) {
    const json::string* s = item.if_string();
    if (s == nullptr) return false;
    out.emplace_back(s->data(), s->size());
  }
  return true;
}

bool IsAwsPartition(std::string_view p) { return p == "aws" || p.starts_with("aws-"); }

// An "AWS" principal: "*", an account id, or the ARN of an account's root, a user, a role, an
// assumed-role session or a federated user, with no wildcard (AWS takes "*" alone only). An
// IAM ARN of anything else, or without an account id, answers InvalidArnException.
Status AddAwsPrincipal(std::string_view p, PrincipalList& out) {
  if (p == "*") {
    out.any = true;
    return Status::Ok();
  }
  if (IsAccountId(p)) {
    out.accounts.emplace_back(p);
    return Status::Ok();
  }
  auto invalid = [] { return messages::Malformed(messages::kInvalidPrincipals); };
  ArnParts arn;
  if (HasWildcard(p) || !SplitArn(p, arn) || arn[0] != "arn" ||
      !IsAwsPartition(arn[kArnPartition]) || !arn[kArnRegion].empty()) {
    return invalid();
  }
  const std::string_view service = arn[kArnService], account = arn[kArnAccount],
                         resource = arn[kArnResource];
  auto named = [&](std::string_view type) {
    return resource.size() > type.size() && resource.starts_with(type) && resource.back() != '/';
  };
  if (service == "iam") {
    if (!IsAccountId(account)) return messages::InvalidArn();
    if (resource == "root") {
      out.accounts.emplace_back(account);
      return Status::Ok();
    }
    if (named("role/")) {
      std::string role(account);
      role += ':';
      role += resource.substr(resource.rfind('/') + 1);
      out.roles.push_back(std::move(role));
    } else if (!named("user/")) {
      // A user or role without a name is malformed; no other resource type (a group, a
      // policy) can be a principal.
      const bool unnamed = resource.starts_with("user/") || resource.starts_with("role/");
      return unnamed ? invalid() : messages::InvalidArn();
    }
  } else if (service == "sts") {
    if (!IsAccountId(account) || (!named("assumed-role/") && !named("federated-user/"))) {
      return invalid();
    }
  } else {
    return invalid();
  }
  out.arns.emplace_back(p);
  return Status::Ok();
}

Status ParsePrincipal(const json::value& v, PrincipalList& out) {
  if (const json::string* s = v.if_string()) {
    // Only "*" may stand alone; any other principal names its kind ({"AWS": ...}).
    if (*s != "*") return messages::Malformed(messages::kInvalidPrincipals);
    out.any = true;
    return Status::Ok();
  }
  const json::object* o = v.if_object();
  if (o == nullptr) return messages::Malformed(messages::kInvalidPrincipals);
  // {} or {"AWS": []} names nobody: KMS's answer is the one for a missing principal.
  if (o->empty()) return messages::Malformed(messages::kNoPrincipal);
  for (const auto& [kind, values] : *o) {
    if (const json::array* a = values.if_array(); a != nullptr && a->empty()) {
      return messages::Malformed(messages::kNoPrincipal);
    }
    std::vector<std::string_view> list;
    if (!StringList(values, list)) return messages::Malformed(messages::kInvalidPrincipals);
    for (std::string_view p : list) {
      if (kind == "AWS") {
        TRY_STATUS(AddAwsPrincipal(p, out));
        continue;
      }
      // A service ("logs.amazonaws.com") or an identity provider: valid names, never matching
      // a trent caller (see PrincipalList).
      const bool valid = (kind == "Service" || kind == "Federated") && !p.empty() && !HasWildcard(p);
      if (!valid) return messages::Malformed(messages::kInvalidPrincipals);
    }
  }
  return Status::Ok();
}

void AddPattern(std::string value, PatternList& out) {
  if (!value.empty() && value.find_first_not_of('*') == std::string::npos) {
    out.any = true;
  } else if (HasWildcard(value)) {
    out.patterns.push_back(std::move(value));
  } else {
    out.exact.push_back(std::move(value));
  }
}

Status ParseActions(const json::value& v, PatternList& out) {
  std::vector<std::string_view> list;
  if (!StringList(v, list)) return messages::Malformed(messages::kInvalidAction);
  for (std::string_view action : list) {
    // "*" or "<service>:<action pattern>"; action names are case-insensitive.
    if (action != "*") {
      const size_t colon = action.find(':');
      if (colon == 0 || colon == std::string_view::npos || colon + 1 == action.size() ||
          action.find(':', colon + 1) != std::string_view::npos) {
        return messages::Malformed(messages::kInvalidAction);
      }
    }
    AddPattern(AsciiLower(action), out);
  }
  return Status::Ok();
}

Status ParseResources(const json::value& v, PatternList& out) {
  std::vector<std::string_view> list;
  if (!StringList(v, list)) return messages::Malformed(messages::kInvalidResource);
  for (std::string_view resource : list) {
    if (resource != "*" && !resource.starts_with("arn:")) {
      return messages::Malformed(messages::kInvalidResource);
    }
    AddPattern(std::string(resource), out);
  }
  return Status::Ok();
}

std::string ConditionValueText(const json::value& v) {
  if (const json::string* s = v.if_string()) return std::string(s->data(), s->size());
  return json::serialize(v);
}

Status ParseCondition(const json::value& v, std::vector<Condition>& out) {
  const json::object* ops = v.if_object();
  if (ops == nullptr) return messages::Malformed(messages::kInvalidCondition);
  for (const auto& [op, block] : *ops) {
    const json::object* keys = block.if_object();
    if (keys == nullptr) return messages::Malformed(messages::kInvalidCondition);
    for (const auto& [key, values] : *keys) {
      std::vector<std::string> texts;
      if (const json::array* a = values.if_array()) {
        for (const json::value& item : *a) {
          if (!item.is_string() && !item.is_number() && !item.is_bool()) {
            return messages::Malformed(messages::kInvalidCondition);
          }
          texts.push_back(ConditionValueText(item));
        }
      } else if (values.is_string() || values.is_number() || values.is_bool()) {
        texts.push_back(ConditionValueText(values));
      } else {
        return messages::Malformed(messages::kInvalidCondition);
      }
      TRY_STATUS(CompileCondition(std::string_view(op.data(), op.size()),
                                  std::string_view(key.data(), key.size()), std::move(texts),
                                  out));
    }
  }
  return Status::Ok();
}

// `seen_sids`: the Sids of the statements before this one; an identity policy's must differ (a
// key policy's may repeat).
Status ParseStatement(const json::value& v, Kind kind, std::set<std::string>& seen_sids,
                      std::vector<Statement>& out) {
  const json::object* o = v.if_object();
  if (o == nullptr) return messages::Malformed(messages::kElementType);
  Statement st;
  bool has_effect = false, has_action = false, has_resource = false;
  for (const auto& [name, value] : *o) {
    if (name == "Sid") {
      const json::string* s = value.if_string();
      if (s == nullptr) return messages::Malformed(messages::kElementType);
      if (kind == Kind::kIdentityPolicy && !s->empty() &&
          !seen_sids.emplace(s->data(), s->size()).second) {
        return messages::Malformed(messages::kIdentityDuplicateSid);
      }
    } else if (name == "Effect") {
      const json::string* s = value.if_string();
      if (s == nullptr || (*s != "Allow" && *s != "Deny")) return messages::Malformed(messages::kEffect);
      st.deny = *s == "Deny";
      has_effect = true;
    } else if (name == "Principal" || name == "NotPrincipal") {
      if (kind == Kind::kIdentityPolicy) return messages::Malformed(messages::kIdentityPrincipal);
      if (st.has_principal) return messages::Malformed(messages::kElementTwice);
      st.has_principal = true;
      st.not_principal = name == "NotPrincipal";
      TRY_STATUS(ParsePrincipal(value, st.principals));
    } else if (name == "Action" || name == "NotAction") {
      if (has_action) return messages::Malformed(messages::kElementTwice);
      has_action = true;
      st.not_action = name == "NotAction";
      TRY_STATUS(ParseActions(value, st.actions));
    } else if (name == "Resource" || name == "NotResource") {
      if (has_resource) return messages::Malformed(messages::kElementTwice);
      has_resource = true;
      st.not_resource = name == "NotResource";
      TRY_STATUS(ParseResources(value, st.resources));
    } else if (name == "Condition") {
      TRY_STATUS(ParseCondition(value, st.conditions));
    } else {
      return messages::Malformed(messages::kUnknownElement);
    }
  }
  if (!has_effect) return messages::Malformed(messages::kEffect);
  if (kind == Kind::kKeyPolicy) {
    if (!st.has_principal) return messages::Malformed(messages::kNoPrincipal);
    if (!has_action) return messages::Malformed(messages::kNoAction);
    if (!has_resource) return messages::Malformed(messages::kNoResource);
  } else {
    if (!has_action) return messages::Malformed(messages::kIdentityNoAction);
    if (!has_resource) return messages::Malformed(messages::kIdentityNoResource);
  }
  out.push_back(std::move(st));
  return Status::Ok();
}

}  // namespace

Result<DocumentPtr> Parse(std::string_view text, Kind kind) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  const json::object* o = ec ? nullptr : root.if_object();
  if (o == nullptr) return messages::Malformed(messages::kNotJson);
  auto document = std::make_shared<Document>();
  std::set<std::string> seen_sids;
  bool has_statement = false;
  for (const auto& [name, value] : *o) {
    if (name == "Version") {
      const json::string* s = value.if_string();
      if (s == nullptr || (*s != "2012-10-17" && *s != "2008-10-17")) {
        return messages::Malformed(messages::kVersion);
      }
    } else if (name == "Id") {
      if (!value.is_string()) return messages::Malformed(messages::kElementType);
    } else if (name == "Statement") {
      if (const json::array* a = value.if_array()) {
        has_statement = !a->empty();
        for (const json::value& item : *a) {
          TRY_STATUS(ParseStatement(item, kind, seen_sids, document->statements));
        }
      } else {
        has_statement = true;
        TRY_STATUS(ParseStatement(value, kind, seen_sids, document->statements));
      }
    } else {
      return messages::Malformed(messages::kUnknownElement);
    }
  }
  if (!has_statement) return messages::Malformed(messages::kNoStatement);
  return DocumentPtr(std::move(document));
}

}  // namespace trent::policy
