#include "server/ops/authorize.h"

#include <algorithm>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "policy/decision.h"
#include "policy/grant.h"
#include "policy/wildcard.h"
#include "server/kms/key_spec.h"
#include "server/ops/shared.h"

namespace trent::ops {
namespace {

namespace json = boost::json;
using policy::EqualsIgnoreCase;
using Values = std::optional<std::vector<std::string>>;

// Strips `prefix` (compared ignoring case, as condition key names are) from `key`.
bool ConsumePrefix(std::string_view& key, std::string_view prefix) {
  if (key.size() < prefix.size() || !EqualsIgnoreCase(key.substr(0, prefix.size()), prefix)) {
    return false;
  }
  key.remove_prefix(prefix.size());
  return true;
}

Values One(std::string_view value) { return std::vector<std::string>{std::string(value)}; }

// The request member holding the encryption context an action concerns: ReEncrypt has one
// for each of its keys.
std::string_view ContextMember(std::string_view action) {
  if (action == "kms:ReEncryptFrom") return "SourceEncryptionContext";
  if (action == "kms:ReEncryptTo") return "DestinationEncryptionContext";
  return "EncryptionContext";
}

std::string_view AlgorithmMember(std::string_view action) {
  if (action == "kms:ReEncryptFrom") return "SourceEncryptionAlgorithm";
  if (action == "kms:ReEncryptTo") return "DestinationEncryptionAlgorithm";
  return "EncryptionAlgorithm";
}

// The operations kms:EncryptionAlgorithm applies to; they default it to SYMMETRIC_DEFAULT.
bool TakesEncryptionAlgorithm(std::string_view action) {
  for (std::string_view a : {"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                             "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
                             "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"}) {
    if (action == a) return true;
  }
  return false;
}

// ISO 8601 in UTC, as aws:CurrentTime gives it.
std::string IsoTime(int64_t millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The condition values of one request on one key (or on none), computed only when a policy's
// condition asks for them. Names are AWS's global and KMS condition keys
// (docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html); a key of the request's
// parameters has its default value when the parameter is absent, as AWS documents.
class RequestConditions final : public policy::ConditionValues {
 public:
  RequestConditions(const Call& call, std::string_view action, const kms::Key* key,
                    std::string_view request_alias, Services& s)
      : call_(call), action_(action), key_(key), request_alias_(request_alias), s_(s) {}

  Values Get(std::string_view name) const override {
    std::string_view rest = name;
    if (ConsumePrefix(rest, "kms:EncryptionContext:")) return ContextValue(rest);
    if (ConsumePrefix(rest, "aws:RequestTag/")) return RequestTag(rest);
    if (ConsumePrefix(rest, "aws:ResourceTag/")) return ResourceTag(rest);
    auto is = [&](std::string_view known) { return EqualsIgnoreCase(name, known); };
    if (is("aws:PrincipalArn")) return One(call_.principal_arn);
    if (is("aws:PrincipalAccount") || is("kms:CallerAccount")) return One(call_.account);
    if (is("aws:SourceIp")) return call_.source_ip.empty() ? Values() : One(call_.source_ip);
    if (is("aws:CurrentTime")) return One(IsoTime(call_.now_ms));
    if (is("aws:EpochTime")) return One(std::to_string(call_.now_ms / 1000));
    if (is("aws:TagKeys")) return TagKeys();
    if (is("kms:EncryptionContextKeys")) return ContextKeys();
    if (is("kms:EncryptionAlgorithm")) return EncryptionAlgorithm();
    if (is("kms:SigningAlgorithm")) return Member("SigningAlgorithm");
    if (is("kms:MacAlgorithm")) return Member("MacAlgorithm");
    if (is("kms:KeyAgreementAlgorithm")) return Member("KeyAgreementAlgorithm");
    if (is("kms:MessageType")) return MemberOr("MessageType", "RAW", "kms:Sign", "kms:Verify");
    if (is("kms:DataKeyPairSpec")) return Member("KeyPairSpec");
    if (is("kms:GrantOperations")) return MemberList("Operations");
    if (is("kms:GranteePrincipal")) return Member("GranteePrincipal");
    if (is("kms:RetiringPrincipal")) return Member("RetiringPrincipal");
    if (is("kms:GrantIsForAWSResource")) return GrantIsForAwsResource();
    if (is("kms:RequestAlias")) return request_alias_.empty() ? Values() : One(request_alias_);
    if (is("kms:ResourceAliases")) return ResourceAliases();
    if (is("kms:BypassPolicyLockoutSafetyCheck")) return BypassLockoutCheck();
    if (is("kms:KeySpec")) return KeyProperty(&kms::Key::key_spec, "KeySpec", kms::kSymmetricDefault);
    if (is("kms:KeyUsage")) return KeyProperty(&kms::Key::key_usage, "KeyUsage", kms::kEncryptDecrypt);
    if (is("kms:KeyOrigin")) return KeyProperty(&kms::Key::origin, "Origin", "AWS_KMS");
    if (is("kms:KeyManager") && key_) return One(key_->key_manager);
    if (is("kms:MultiRegion")) return MultiRegion();
    // kms:ViaService and every key trent has no value for: absent, as for a direct call.
    return std::nullopt;
  }

 private:
  const json::value* Find(std::string_view member) const {
    if (!call_.input) return nullptr;
    auto it = call_.input->find(member);
    return it == call_.input->end() || it->value().is_null() ? nullptr : &it->value();
  }

  Values Member(std::string_view member) const {
    const json::value* v = Find(member);
    if (!v || !v->is_string()) return std::nullopt;
    return One(v->get_string());
  }

  // A member that defaults to `fallback` in the operations `a` and `b` take it in.
  Values MemberOr(std::string_view member, std::string_view fallback, std::string_view a,
                  std::string_view b) const {
    if (Values v = Member(member)) return v;
    return action_ == a || action_ == b ? One(fallback) : Values();
  }

  Values MemberList(std::string_view member) const {
    const json::value* v = Find(member);
    if (!v || !v->is_array()) return std::nullopt;
    std::vector<std::string> out;
    for (const json::value& item : v->get_array()) {
      if (item.is_string()) out.emplace_back(item.get_string());
    }
    return out;
  }

  const json::object* Context() const {
    const json::value* v = Find(ContextMember(action_));
    return v && v->is_object() ? &v->get_object() : nullptr;
  }

  // Condition key names are case-insensitive, the context key part included (AWS: only the
  // values are case-sensitive; kms:EncryptionContextKeys compares keys exactly).
  Values ContextValue(std::string_view context_key) const {
    const json::object* context = Context();
    if (!context) return std::nullopt;
    for (const auto& pair : *context) {
      if (EqualsIgnoreCase(pair.key(), context_key) && pair.value().is_string()) {
        return One(pair.value().get_string());
      }
    }
    return std::nullopt;
  }

  Values ContextKeys() const {
    const json::object* context = Context();
    if (!context || context->empty()) return std::nullopt;
    std::vector<std::string> keys;
    for (const auto& pair : *context) keys.emplace_back(pair.key());
    return keys;
  }

  Values EncryptionAlgorithm() const {
    if (!TakesEncryptionAlgorithm(action_)) return std::nullopt;
    if (Values v = Member(AlgorithmMember(action_))) return v;
    return One(kms::kSymmetricDefault);
  }

  // The tags a request carries: CreateKey's and TagResource's Tags.
  const json::array* RequestTags() const {
    const json::value* v = Find("Tags");
    return v && v->is_array() ? &v->get_array() : nullptr;
  }

  Values RequestTag(std::string_view tag_key) const {
    const json::array* tags = RequestTags();
    if (!tags) return std::nullopt;
    for (const json::value& tag : *tags) {
      const json::object& t = tag.get_object();
      if (EqualsIgnoreCase(t.at("TagKey").get_string(), tag_key)) {
        return One(t.at("TagValue").get_string());
      }
    }
    return std::nullopt;
  }

  Values ResourceTag(std::string_view tag_key) const {
    if (!key_) return std::nullopt;
    for (const kms::Tag& tag : key_->tags) {
      if (EqualsIgnoreCase(tag.key, tag_key)) return One(tag.value);
    }
    return std::nullopt;
  }

  // The tag keys a request names: the keys of its Tags, or UntagResource's TagKeys.
  Values TagKeys() const {
    std::vector<std::string> keys;
    if (const json::array* tags = RequestTags()) {
      for (const json::value& tag : *tags) keys.emplace_back(tag.get_object().at("TagKey").get_string());
      return keys;
    }
    return MemberList("TagKeys");
  }

  Values GrantIsForAwsResource() const {
    for (std::string_view a : {"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}) {
      if (action_ == a) return One("false");  // no AWS service calls through trent
    }
    return std::nullopt;
  }

  Values ResourceAliases() const {
    if (!key_) return std::nullopt;
    std::vector<std::string> names;
    for (const kms::AliasPtr& alias : s_.keys.AliasesOf(key_->id)) names.push_back(alias->name);
    if (names.empty()) return std::nullopt;
    return names;
  }

  Values BypassLockoutCheck() const {
    if (action_ != "kms:CreateKey" && action_ != "kms:PutKeyPolicy") return std::nullopt;
    return One(GetBool(*call_.input, "BypassPolicyLockoutSafetyCheck") ? "true" : "false");
  }

  // A property of the key operated on, or for CreateKey the one requested (its default when
  // the request leaves it out).
  Values KeyProperty(std::string kms::Key::*field, std::string_view member,
                     std::string_view fallback) const {
    if (key_) return One(key_->*field);
    if (action_ != "kms:CreateKey") return std::nullopt;
    if (Values v = Member(member)) return v;
    if (member == "KeySpec") {
      if (Values v = Member("CustomerMasterKeySpec")) return v;
    }
    return One(fallback);
  }

  Values MultiRegion() const {
    if (key_) return One(key_->multi_region ? "true" : "false");
    if (action_ != "kms:CreateKey") return std::nullopt;
    return One(GetBool(*call_.input, "MultiRegion") ? "true" : "false");
  }

  const Call& call_;
  std::string_view action_;
  const kms::Key* key_;
  std::string_view request_alias_;
  Services& s_;
};

// Only what a request tells of its caller, for a request imagined rather than made.
class CallerConditions final : public policy::ConditionValues {
 public:
  explicit CallerConditions(const RequestConditions& all) : all_(all) {}
  Values Get(std::string_view name) const override {
    for (std::string_view known : {"aws:PrincipalArn", "aws:PrincipalAccount", "kms:CallerAccount"}) {
      if (EqualsIgnoreCase(name, known)) return all_.Get(name);
    }
    return std::nullopt;
  }

 private:
  const RequestConditions& all_;
};

// What the caller's identity policies say: any explicit deny, else any allow.
std::optional<policy::Verdict> IdentityVerdict(const Call& call, const policy::Request& request) {
  if (!call.identity_policies) return std::nullopt;
  policy::Verdict verdict = policy::Verdict::kNotApplicable;
  for (const policy::DocumentPtr& document : *call.identity_policies) {
    policy::Verdict v = policy::Evaluate(*document, request);
    if (v == policy::Verdict::kDeny) return v;
    if (v != policy::Verdict::kNotApplicable) verdict = policy::Verdict::kAllow;
  }
  return verdict;
}

// The request's encryption context sorted by key, for grant constraints.
std::vector<std::pair<std::string_view, std::string_view>> SortedContext(const Call& call,
                                                                         std::string_view action) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  if (call.input) {
    for (const auto& [k, v] : GetContext(*call.input, ContextMember(action))) pairs.emplace_back(k, v);
  }
  std::sort(pairs.begin(), pairs.end());
  return pairs;
}

bool AnyGrantAllows(const Call& call, std::string_view action, const kms::Key& key) {
  if (key.grants.empty()) return false;
  const std::string_view operation = action.substr(action.find(':') + 1);
  const auto context = SortedContext(call, action);
  // A grant made with a grant's CreateGrant permission must stay within that grant.
  std::optional<policy::Grant> child;
  if (operation == "CreateGrant" && call.input) child = RequestedGrant(*call.input);
  for (const kms::GrantPtr& grant : key.grants) {
    if (!policy::GrantAllows(*grant, call.principal_arn, operation, context)) continue;
    if (!child || policy::GrantWithin(*child, *grant)) return true;
  }
  return false;
}

// AccessDeniedException as AWS words it, naming the kind of policy that refused.
Status Denied(const Call& call, std::string_view action, std::string_view resource,
              policy::Denial denial) {
  std::string message = "User: " + std::string(call.principal_arn) +
                        " is not authorized to perform: " + std::string(action) +
                        " on resource: " + std::string(resource);
  switch (denial) {
    case policy::Denial::kResourceExplicitDeny:
      message += " with an explicit deny in a resource-based policy";
      break;
    case policy::Denial::kIdentityExplicitDeny:
      message += " with an explicit deny in an identity-based policy";
      break;
    case policy::Denial::kNoIdentityAllow:
      message += " because no identity-based policy allows the " + std::string(action) + " action";
      break;
    default:
      message += " because no resource-based policy allows the " + std::string(action) + " action";
      break;
  }
  return {ErrorCode::kAccessDenied, std::move(message)};
}

}  // namespace

Status AuthorizeKey(const Call& call, std::string_view action, const kms::Key& key,
                    std::string_view request_alias, Services& s) {
  const std::string key_arn = key.arn();
  if (std::find(call.key_arns.begin(), call.key_arns.end(), key_arn) == call.key_arns.end()) {
    call.key_arns.push_back(key_arn);
  }
  RequestConditions conditions(call, action, &key, request_alias, s);
  const policy::Request request{action, call.principal_arn, call.account, key_arn, &conditions};
  policy::DecisionInputs in;
  in.key_policy = policy::Evaluate(*key.policy->document, request);
  in.identity = IdentityVerdict(call, request);
  in.caller_is_root = policy::IsAccountPrincipal(call.principal_arn);
  in.cross_account = key.account != call.account;
  // Grants are looked at only when the policies alone do not allow.
  if (in.key_policy != policy::Verdict::kDeny && policy::Decide(in) != policy::Denial::kNone) {
    in.grant_allows = AnyGrantAllows(call, action, key);
  }
  policy::Denial denial = policy::Decide(in);
  if (denial != policy::Denial::kNone) return Denied(call, action, key_arn, denial);
  call.authorized = true;
  return Status::Ok();
}

bool AllowsLaterPutKeyPolicy(const Call& call, const policy::Document& document,
                             std::string_view key_arn, std::string_view key_account,
                             Services& s) {
  static constexpr std::string_view kAction = "kms:PutKeyPolicy";
  RequestConditions all(call, kAction, nullptr, {}, s);
  CallerConditions conditions(all);
  const policy::Request request{kAction, call.principal_arn, call.account, key_arn, &conditions};
  policy::DecisionInputs in;
  in.key_policy = policy::Evaluate(document, request);
  in.identity = IdentityVerdict(call, request);
  in.caller_is_root = policy::IsAccountPrincipal(call.principal_arn);
  in.cross_account = key_account != call.account;
  return policy::Decide(in) == policy::Denial::kNone;
}

Status AuthorizeWithoutKey(const Call& call, Services& s) {
  RequestConditions conditions(call, call.action, nullptr, {}, s);
  const policy::Request request{call.action, call.principal_arn, call.account, "*", &conditions};
  policy::DecisionInputs in;
  in.identity = IdentityVerdict(call, request);
  in.caller_is_root = policy::IsAccountPrincipal(call.principal_arn);
  policy::Denial denial = policy::Decide(in);
  if (denial != policy::Denial::kNone) return Denied(call, call.action, "*", denial);
  call.authorized = true;
  return Status::Ok();
}

}  // namespace trent::ops
