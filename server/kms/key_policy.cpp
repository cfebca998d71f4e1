#include "server/kms/key_policy.h"

#include <boost/json.hpp>

#include <mutex>
#include <unordered_map>

namespace trent::kms {

namespace {

void AppendInAwsLayout(const boost::json::value& v, int depth, std::string& out) {
  switch (v.kind()) {
    case boost::json::kind::object: {
      const std::string indent(2 * (depth + 1), ' ');
      out += "{\n";
      bool first = true;
      for (const auto& member : v.get_object()) {
        if (!first) out += ",\n";
        first = false;
        out += indent + boost::json::serialize(boost::json::string(member.key())) + " : ";
        AppendInAwsLayout(member.value(), depth + 1, out);
      }
      out += "\n" + std::string(2 * depth, ' ') + "}";
      return;
    }
    case boost::json::kind::array: {
      out += "[ ";
      bool first = true;
      for (const boost::json::value& item : v.get_array()) {
        if (!first) out += ", ";
        first = false;
        AppendInAwsLayout(item, depth, out);  // an object in a list keeps the list's depth
      }
      out += " ]";
      return;
    }
    default:
      out += boost::json::serialize(v);
  }
}

std::string InAwsLayout(const boost::json::value& policy) {
  std::string out;
  AppendInAwsLayout(policy, 0, out);
  return out;
}

}  // namespace

std::string DefaultKeyPolicy(std::string_view account) {
  // AWS's policy, as GetKeyPolicy returns it for a key made without a policy (the example
  // response of docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html, and aws kms
  // get-key-policy transcripts): Id "key-default-1", one statement.
  boost::json::object statement{{"Sid", "Enable IAM User Permissions"},
                                {"Effect", "Allow"},
                                {"Principal", {{"AWS", policy::AccountRootArn(account)}}},
                                {"Action", "kms:*"},
                                {"Resource", "*"}};
  return InAwsLayout(boost::json::object{{"Version", "2012-10-17"},
                                         {"Id", "key-default-1"},
                                         {"Statement", boost::json::array{statement}}});
}

Result<std::string> AwsPolicyText(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value policy = boost::json::parse(json, ec);
  if (ec) return InternalError("a policy of AWS's does not parse: " + ec.message());
  return InAwsLayout(policy);
}

Result<policy::DocumentPtr> ParseKeyPolicy(std::string_view text) {
  // The model lets Policy be up to 131072 characters; the quota is lower, and a longer policy
  // is LimitExceededException (the Policy member's documentation in the service model). AWS's
  // message for it is not published: this one is trent's.
  if (text.size() > kMaxKeyPolicyBytes) {
    return Status(ErrorCode::kLimitExceeded,
                  "The key policy is " + std::to_string(text.size()) +
                      " bytes long, over the key policy size quota of " +
                      std::to_string(kMaxKeyPolicyBytes) + " bytes.");
  }
  return policy::Parse(text, policy::Kind::kKeyPolicy);
}

KeyPolicyPtr MakeKeyPolicy(std::string text, policy::DocumentPtr document) {
  return std::make_shared<const KeyPolicy>(KeyPolicy{std::move(text), std::move(document)});
}

Result<KeyPolicyPtr> DefaultKeyPolicyOf(std::string_view account) {
  // As many entries as accounts that hold keys, which the configured identities bound.
  static std::mutex mu;
  static std::unordered_map<std::string, KeyPolicyPtr> by_account;
  std::lock_guard lock(mu);
  KeyPolicyPtr& policy = by_account[std::string(account)];
  if (!policy) {
    std::string text = DefaultKeyPolicy(account);
    Result<policy::DocumentPtr> document = ParseKeyPolicy(text);
    if (!document.ok()) {
      return InternalError("the default key policy does not parse: " +
                           document.status().message());
    }
    policy = MakeKeyPolicy(std::move(text), *std::move(document));
  }
  return policy;
}

}  // namespace trent::kms
