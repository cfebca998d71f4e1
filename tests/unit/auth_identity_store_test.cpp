// The identities of --credentials-file: the YAML form, and the entries it refuses.
#include <catch.hpp>

#include <string>

#include "server/auth/identity_store.h"

using trent::auth::IdentityStore;

namespace {

std::string Refusal(const std::string& yaml) {
  auto store = IdentityStore::FromYaml(yaml, "creds.yaml");
  REQUIRE_FALSE(store.ok());
  CHECK(store.status().code() == trent::ErrorCode::kValidation);
  return store.status().message();
}

}  // namespace

TEST_CASE("identity store: the documented form, as it is") {
  auto store = IdentityStore::FromYaml(R"(identities:
  - access_key_id: AKIAALICE0000000000
    secret_access_key: alice-secret
    account_id: "111111111111"
    arn: arn:aws:iam::111111111111:user/alice
)", "creds.yaml");
  REQUIRE(store.ok());
  CHECK(store->size() == 1);
  const auto* alice = store->Find("AKIAALICE0000000000");
  REQUIRE(alice);
  CHECK(alice->secret == "alice-secret");
  CHECK(alice->account == "111111111111");
  CHECK(alice->arn == "arn:aws:iam::111111111111:user/alice");
  CHECK(alice->session_token.empty());
  CHECK_FALSE(alice->policies.has_value());
  CHECK(store->Find("AKIAALICE000000000") == nullptr);
  CHECK(store->Find("") == nullptr);
}

TEST_CASE("identity store: roles, sessions with tokens, identity policies") {
  auto store = IdentityStore::FromYaml(R"(identities:
  - access_key_id: ASIASESSION000000000
    secret_access_key: s
    session_token: FwoGZXIvYXdzEXAMPLE
    account_id: 222222222222
    arn: arn:aws:sts::222222222222:assumed-role/Admin/build-42
  - access_key_id: AKIAROLE
    secret_access_key: r
    account_id: "222222222222"
    arn: arn:aws:iam::222222222222:role/team/Reader
    policies:
      - '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}'
  - access_key_id: AKIANONE
    secret_access_key: n
    account_id: "222222222222"
    arn: arn:aws:iam::222222222222:root
    policies: []
)", "creds.yaml");
  REQUIRE(store.ok());
  const auto* session = store->Find("ASIASESSION000000000");
  REQUIRE(session);
  CHECK(session->session_token == "FwoGZXIvYXdzEXAMPLE");
  CHECK(session->account == "222222222222");  // an unquoted number is read as its digits
  const auto* role = store->Find("AKIAROLE");
  REQUIRE(role);
  REQUIRE(role->policies.has_value());
  CHECK(role->policies->size() == 1);
  const auto* none = store->Find("AKIANONE");
  REQUIRE(none);
  REQUIRE(none->policies.has_value());
  CHECK(none->policies->empty());
}

TEST_CASE("identity store: a bad entry is named in one line") {
  const std::string head = "identities:\n  - access_key_id: AKIAALICE\n";
  CHECK(Refusal(head + "    secret_access_key: s\n    account_id: '12345'\n"
                       "    arn: arn:aws:iam::12345:user/a\n") ==
        "creds.yaml: identity 1 (AKIAALICE): account_id must be 12 digits, got '12345'");
  CHECK(Refusal(head + "    secret_access_key: s\n    account_id: '111111111111'\n"
                       "    arn: arn:aws:iam::222222222222:user/a\n")
            .starts_with("creds.yaml: identity 1 (AKIAALICE): arn must be "));
  CHECK(Refusal(head + "    account_id: '111111111111'\n    arn: arn:aws:iam::111111111111:root\n") ==
        "creds.yaml: identity 1 (AKIAALICE): secret_access_key is missing");
  CHECK(Refusal(head + "    secret: s\n") ==
        "creds.yaml: identity 1 (AKIAALICE): unknown field 'secret' at line 3, column 5");
  const std::string alice =
      "  - access_key_id: AKIAALICE\n    secret_access_key: s\n    account_id: '111111111111'\n"
      "    arn: arn:aws:iam::111111111111:user/a\n";
  CHECK(Refusal("identities:\n" + alice + alice) ==
        "creds.yaml: identity 2 (AKIAALICE): access_key_id appears twice");
  CHECK(Refusal("identities:\n" + alice + "  - secret_access_key: s\n") ==
        "creds.yaml: identity 2: access_key_id is missing");
  CHECK(Refusal(head + "    secret_access_key: s\n    account_id: '111111111111'\n"
                       "    arn: arn:aws:iam::111111111111:user/a\n    policies: ['{}']\n")
            .starts_with("creds.yaml: identity 1 (AKIAALICE): policies[0] is not a valid identity "
                         "policy: "));
  CHECK(Refusal("users: []\n") == "creds.yaml: expected a list under 'identities:'");
  CHECK(Refusal("identities: [\n").starts_with("creds.yaml: not valid YAML at line "));
  CHECK(IdentityStore::LoadFile("/nonexistent/creds.yaml").status().message() ==
        "cannot read credentials file /nonexistent/creds.yaml");
}
