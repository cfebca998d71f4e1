#include <catch.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/grant.h"

using namespace trent::policy;

namespace {

constexpr std::string_view kAlice = "arn:aws:iam::111111111111:user/alice";
constexpr std::string_view kBob = "arn:aws:iam::111111111111:user/bob";

using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

Grant GrantFor(std::string grantee, std::vector<std::string> operations) {
  Grant g;
  g.grant_id = std::string(64, 'a');
  g.grantee_principal = std::move(grantee);
  g.issuing_account = "arn:aws:iam::111111111111:root";
  g.operations = std::move(operations);
  return g;
}

bool Allows(const Grant& g, std::string_view principal, std::string_view op,
            const Pairs& context = {}) {
  return GrantAllows(g, principal, op, context);
}

}  // namespace

TEST_CASE("a grant gives its grantee exactly the operations it lists") {
  Grant g = GrantFor(std::string(kAlice), {"Encrypt", "GenerateDataKey"});
  CHECK(Allows(g, kAlice, "Encrypt"));
  CHECK(Allows(g, kAlice, "GenerateDataKey"));
  CHECK_FALSE(Allows(g, kAlice, "Decrypt"));
  // GenerateDataKey does not imply its WithoutPlaintext variant.
  CHECK_FALSE(Allows(g, kAlice, "GenerateDataKeyWithoutPlaintext"));
  CHECK_FALSE(Allows(g, kAlice, "encrypt"));
  CHECK_FALSE(Allows(g, kBob, "Encrypt"));
}

TEST_CASE("an account grantee covers the identities of that account") {
  for (std::string grantee : {"arn:aws:iam::111111111111:root", "111111111111"}) {
    Grant g = GrantFor(grantee, {"Decrypt"});
    CHECK(Allows(g, kAlice, "Decrypt"));
    CHECK(Allows(g, "arn:aws:iam::111111111111:root", "Decrypt"));
    CHECK(Allows(g, "arn:aws:sts::111111111111:assumed-role/app/s1", "Decrypt"));
    CHECK_FALSE(Allows(g, "arn:aws:iam::222222222222:user/alice", "Decrypt"));
  }
}

TEST_CASE("a role grantee covers its assumed-role sessions only") {
  Grant g = GrantFor("arn:aws:iam::111111111111:role/app", {"Decrypt"});
  CHECK(Allows(g, "arn:aws:iam::111111111111:role/app", "Decrypt"));
  CHECK(Allows(g, "arn:aws:sts::111111111111:assumed-role/app/session-1", "Decrypt"));
  CHECK_FALSE(Allows(g, "arn:aws:sts::111111111111:assumed-role/other/session-1", "Decrypt"));
  CHECK_FALSE(Allows(g, "arn:aws:sts::222222222222:assumed-role/app/session-1", "Decrypt"));
  CHECK_FALSE(Allows(g, "arn:aws:iam::111111111111:role/application", "Decrypt"));
}

TEST_CASE("EncryptionContextEquals needs exactly the grant's pairs") {
  Grant g = GrantFor(std::string(kAlice), {"Decrypt", "DescribeKey"});
  g.context_equals = ContextPairs{{"Department", "IT"}, {"Project", "x"}};
  CHECK(Allows(g, kAlice, "Decrypt", {{"Department", "IT"}, {"Project", "x"}}));
  CHECK_FALSE(Allows(g, kAlice, "Decrypt", {{"Department", "IT"}}));
  CHECK_FALSE(Allows(g, kAlice, "Decrypt",
                     {{"Department", "IT"}, {"Extra", "1"}, {"Project", "x"}}));
  CHECK_FALSE(Allows(g, kAlice, "Decrypt", {}));
  // Keys without regard to case, values exactly.
  CHECK(Allows(g, kAlice, "Decrypt", {{"department", "IT"}, {"PROJECT", "x"}}));
  CHECK_FALSE(Allows(g, kAlice, "Decrypt", {{"Department", "it"}, {"Project", "x"}}));
  // Operations without an encryption context ignore the constraint.
  CHECK(Allows(g, kAlice, "DescribeKey"));
}

TEST_CASE("EncryptionContextSubset needs at least the grant's pairs") {
  Grant g = GrantFor(std::string(kAlice), {"Encrypt", "RetireGrant"});
  g.context_subset = ContextPairs{{"Department", "IT"}};
  CHECK(Allows(g, kAlice, "Encrypt", {{"Department", "IT"}}));
  CHECK(Allows(g, kAlice, "Encrypt", {{"Department", "IT"}, {"Purpose", "Test"}}));
  CHECK(Allows(g, kAlice, "Encrypt", {{"DEPARTMENT", "IT"}}));
  CHECK_FALSE(Allows(g, kAlice, "Encrypt", {{"Department", "Sales"}}));
  CHECK_FALSE(Allows(g, kAlice, "Encrypt", {{"Purpose", "Test"}}));
  CHECK_FALSE(Allows(g, kAlice, "Encrypt", {}));
  CHECK(Allows(g, kAlice, "RetireGrant"));
}

TEST_CASE("an empty EncryptionContextSubset allows any context, an empty Equals only none") {
  Grant subset = GrantFor(std::string(kAlice), {"Encrypt"});
  subset.context_subset = ContextPairs{};
  CHECK(Allows(subset, kAlice, "Encrypt", {{"a", "b"}}));
  Grant equals = GrantFor(std::string(kAlice), {"Encrypt"});
  equals.context_equals = ContextPairs{};
  CHECK(Allows(equals, kAlice, "Encrypt", {}));
  CHECK_FALSE(Allows(equals, kAlice, "Encrypt", {{"a", "b"}}));
}

TEST_CASE("who may retire a grant") {
  Grant g = GrantFor(std::string(kAlice), {"Decrypt"});
  g.issuing_account = "arn:aws:iam::111111111111:root";
  // The issuing account's identities (through their identity policies).
  CHECK(MayRetire(g, kBob, "111111111111"));
  CHECK_FALSE(MayRetire(g, "arn:aws:iam::222222222222:user/carol", "222222222222"));
  // The retiring principal, of any account.
  g.retiring_principal = "arn:aws:iam::222222222222:user/carol";
  CHECK(MayRetire(g, "arn:aws:iam::222222222222:user/carol", "222222222222"));
  CHECK_FALSE(MayRetire(g, "arn:aws:iam::222222222222:user/dave", "222222222222"));
  // The grantee only when the grant lists RetireGrant.
  Grant other = GrantFor("arn:aws:iam::333333333333:user/erin", {"Decrypt"});
  CHECK_FALSE(MayRetire(other, "arn:aws:iam::333333333333:user/erin", "333333333333"));
  other.operations.push_back("RetireGrant");
  CHECK(MayRetire(other, "arn:aws:iam::333333333333:user/erin", "333333333333"));
}

TEST_CASE("a grant made through a grant's CreateGrant permission stays within that grant") {
  auto grant = [](std::string_view grantee, std::vector<std::string> operations,
                  std::optional<ContextPairs> subset, std::optional<ContextPairs> equals) {
    Grant g = GrantFor(std::string(grantee), std::move(operations));
    g.context_subset = std::move(subset);
    g.context_equals = std::move(equals);
    return g;
  };
  auto subset_child = [&](std::vector<std::string> operations, std::optional<ContextPairs> pairs) {
    return grant(kBob, std::move(operations), std::move(pairs), std::nullopt);
  };
  auto equals_child = [&](std::vector<std::string> operations, ContextPairs pairs) {
    return grant(kBob, std::move(operations), std::nullopt, std::move(pairs));
  };
  const ContextPairs it{{"Department", "IT"}};
  const ContextPairs it_test{{"Department", "IT"}, {"Purpose", "Test"}};
  const ContextPairs test{{"Purpose", "Test"}};

  // Operations: some or all of the parent's, nothing else.
  const Grant parent = grant(kAlice, {"GenerateDataKey", "Decrypt", "CreateGrant"}, it, {});
  CHECK(GrantWithin(subset_child({"Decrypt", "CreateGrant"}, it), parent));
  CHECK_FALSE(GrantWithin(subset_child({"Decrypt", "Encrypt"}, it), parent));
  // A subset may gain pairs; keys compare without regard to case, values exactly.
  CHECK(GrantWithin(subset_child({"Decrypt"}, it_test), parent));
  CHECK(GrantWithin(subset_child({"Decrypt"}, ContextPairs{{"DEPARTMENT", "IT"}}), parent));
  CHECK_FALSE(GrantWithin(subset_child({"Decrypt"}, ContextPairs{{"Department", "it"}}), parent));
  CHECK_FALSE(GrantWithin(subset_child({"Decrypt"}, test), parent));
  CHECK_FALSE(GrantWithin(subset_child({"Decrypt"}, std::nullopt), parent));
  // A subset may become an equals that holds its pairs.
  CHECK(GrantWithin(equals_child({"Decrypt"}, it_test), parent));
  CHECK_FALSE(GrantWithin(equals_child({"Decrypt"}, test), parent));

  // An equals stays the same equals.
  const Grant equals_parent = grant(kAlice, {"Decrypt", "CreateGrant"}, {}, it);
  CHECK(GrantWithin(equals_child({"Decrypt"}, ContextPairs{{"department", "IT"}}), equals_parent));
  CHECK_FALSE(GrantWithin(equals_child({"Decrypt"}, it_test), equals_parent));
  CHECK_FALSE(GrantWithin(subset_child({"Decrypt"}, it), equals_parent));

  // A parent without constraints takes any constraint, or none.
  const Grant open = grant(kAlice, {"Encrypt", "Decrypt", "CreateGrant"}, {}, {});
  CHECK(GrantWithin(subset_child({"Encrypt"}, std::nullopt), open));
  CHECK(GrantWithin(equals_child({"Decrypt"}, it), open));
}
