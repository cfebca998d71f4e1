#include "server/auth/identity_store.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace trent::auth {
namespace {

// IAM's AccessKeyIdType: 16 to 128 word characters. Shorter ids are accepted too, since local
// setups often use dummy keys such as "test".
constexpr size_t kMaxAccessKeyId = 128;

bool IsWord(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsAccountId(std::string_view s) {
  return s.size() == 12 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A principal that can hold access keys: the account's root, an IAM user or role (with an
// optional path), or an STS assumed-role session, all in `account`.
bool IsPrincipalArn(std::string_view arn, std::string_view account) {
  const std::string iam = "arn:aws:iam::" + std::string(account) + ":";
  const std::string sts = "arn:aws:sts::" + std::string(account) + ":";
  auto after = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!arn.starts_with(prefix)) return std::nullopt;
    return arn.substr(prefix.size());
  };
  auto named = [](std::string_view rest) {  // "<path/>name": nothing empty between slashes
    return !rest.empty() && rest.back() != '/' && rest.find("//") == std::string_view::npos &&
           rest.find_first_of(" \t") == std::string_view::npos;
  };
  if (auto rest = after(iam)) {
    if (*rest == "root") return true;
    if (rest->starts_with("user/")) return named(rest->substr(5));
    if (rest->starts_with("role/")) return named(rest->substr(5));
    return false;
  }
  if (auto rest = after(sts)) {
    if (!rest->starts_with("assumed-role/")) return false;
    std::string_view session = rest->substr(13);
    const size_t slash = session.find('/');
    return slash != std::string_view::npos && slash > 0 && named(session.substr(slash + 1)) &&
           session.substr(slash + 1).find('/') == std::string_view::npos;
  }
  return false;
}

std::string Entry(size_t index, std::string_view access_key_id) {
  std::string where = "identity " + std::to_string(index + 1);
  if (!access_key_id.empty()) where += " (" + std::string(access_key_id) + ")";
  return where;
}

Status Check(const Identity& id, size_t index) {
  const std::string where = Entry(index, id.access_key_id);
  if (id.access_key_id.empty()) return ValidationError(where + ": access_key_id is missing");
  if (id.access_key_id.size() > kMaxAccessKeyId || !IsWord(id.access_key_id)) {
    return ValidationError(where + ": access_key_id must be 1 to 128 letters, digits or _");
  }
  if (id.secret.empty()) return ValidationError(where + ": secret_access_key is missing");
  if (!IsAccountId(id.account)) {
    return ValidationError(where + ": account_id must be 12 digits, got '" + id.account + "'");
  }
  if (!IsPrincipalArn(id.arn, id.account)) {
    return ValidationError(where + ": arn must be arn:aws:iam::" + id.account +
                           ":root, :user/NAME, :role/NAME or arn:aws:sts::" + id.account +
                           ":assumed-role/ROLE/SESSION, got '" + id.arn + "'");
  }
  return Status::Ok();
}

// A YAML error's position, e.g. "line 3, column 5".
std::string Position(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return " at line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

Result<std::string> Scalar(const YAML::Node& node, const std::string& field,
                           const std::string& where) {
  if (!node.IsScalar()) {
    return ValidationError(where + ": " + field + " must be a string" + Position(node.Mark()));
  }
  return node.Scalar();
}

Result<Identity> ParseIdentity(const YAML::Node& node, size_t index, const std::string& source) {
  if (!node.IsMap()) {
    return ValidationError(source + ": " + Entry(index, "") + " must be a mapping" +
                           Position(node.Mark()));
  }
  Identity id;
  if (const YAML::Node key = node["access_key_id"]; key && key.IsScalar()) {
    id.access_key_id = key.Scalar();
  }
  const std::string where = source + ": " + Entry(index, id.access_key_id);
  for (const auto& field : node) {
    if (!field.first.IsScalar()) return ValidationError(where + ": a field name must be a string");
    const std::string name = field.first.Scalar();
    const YAML::Node& value = field.second;
    if (name == "access_key_id") {
      TRY(id.access_key_id, Scalar(value, name, where));
    } else if (name == "secret_access_key") {
      TRY(id.secret, Scalar(value, name, where));
    } else if (name == "session_token") {
      TRY(id.session_token, Scalar(value, name, where));
    } else if (name == "account_id") {
      TRY(id.account, Scalar(value, name, where));
    } else if (name == "arn") {
      TRY(id.arn, Scalar(value, name, where));
    } else if (name == "policies") {
      if (!value.IsSequence()) {
        return ValidationError(where + ": policies must be a list of policy documents" +
                               Position(value.Mark()));
      }
      id.policies.emplace();
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string which = "policies[" + std::to_string(i) + "]";
        TRY(std::string text, Scalar(value[i], which, where));
        auto document = policy::Parse(text, policy::Kind::kIdentityPolicy);
        if (!document.ok()) {
          return ValidationError(where + ": " + which + " is not a valid identity policy: " +
                                 document.status().message());
        }
        id.policies->push_back(std::move(document).value());
      }
    } else {
      return ValidationError(where + ": unknown field '" + name + "'" + Position(field.first.Mark()));
    }
  }
  return id;
}

Result<IdentityStore> Parse(std::string_view text, const std::string& source) {
  YAML::Node root = YAML::Load(std::string(text));
  const YAML::Node list = root.IsMap() ? root["identities"] : YAML::Node();
  if (!list || !list.IsSequence()) {
    return ValidationError(source + ": expected a list under 'identities:'");
  }
  std::vector<Identity> identities;
  for (size_t i = 0; i < list.size(); ++i) {
    TRY(Identity id, ParseIdentity(list[i], i, source));
    identities.push_back(std::move(id));
  }
  auto store = IdentityStore::Create(std::move(identities));
  if (!store.ok()) return ValidationError(source + ": " + store.status().message());
  return store;
}

}  // namespace

Result<IdentityStore> IdentityStore::Create(std::vector<Identity> identities) {
  IdentityStore store;
  for (size_t i = 0; i < identities.size(); ++i) {
    TRY_STATUS(Check(identities[i], i));
    std::string key = identities[i].access_key_id;
    if (!store.by_key_.emplace(key, std::move(identities[i])).second) {
      return ValidationError(Entry(i, key) + ": access_key_id appears twice");
    }
  }
  return store;
}

Result<IdentityStore> IdentityStore::FromYaml(std::string_view text, std::string_view source) {
  const std::string name(source);
  try {  // yaml-cpp reports errors by exceptions: they end here
    return Parse(text, name);
  } catch (const YAML::Exception& e) {
    return ValidationError(name + ": not valid YAML" + Position(e.mark) + ": " + e.msg);
  }
}

Result<IdentityStore> IdentityStore::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ValidationError("cannot read credentials file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ValidationError("cannot read credentials file " + path);
  return FromYaml(text.str(), path);
}

const Identity* IdentityStore::Find(std::string_view access_key_id) const {
  auto it = by_key_.find(access_key_id);
  return it == by_key_.end() ? nullptr : &it->second;
}

}  // namespace trent::auth
