#include <catch.hpp>

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
  Grant parent = GrantFor(std::string(kAlice), {"GenerateDataKey", "Decrypt", "CreateGrant"});
  parent.context_subset = ContextPairs{{"Department", "IT"}};
  auto child = [](std::vector<std::string> operations) {
    return GrantFor(std::string(kBob), std::move(operations));
  };

  // Operations: some or all of the parent's, nothing else.
  Grant narrower = child({"Decrypt", "CreateGrant"});
  narrower.context_subset = ContextPairs{{"Department", "IT"}};
  CHECK(GrantWithin(narrower, parent));
  Grant more = child({"Decrypt", "Encrypt"});
  more.context_subset = parent.context_subset;
  CHECK_FALSE(GrantWithin(more, parent));

  // A subset may gain pairs, keys compare without regard to case, values exactly.
  Grant added = child({"Decrypt"});
  added.context_subset = ContextPairs{{"Department", "IT"}, {"Purpose", "Test"}};
  CHECK(GrantWithin(added, parent));
  Grant other_case = child({"Decrypt"});
  other_case.context_subset = ContextPairs{{"DEPARTMENT", "IT"}};
  CHECK(GrantWithin(other_case, parent));
  Grant other_value = child({"Decrypt"});
  other_value.context_subset = ContextPairs{{"Department", "it"}};
  CHECK_FALSE(GrantWithin(other_value, parent));
  Grant dropped = child({"Decrypt"});
  dropped.context_subset = ContextPairs{{"Purpose", "Test"}};
  CHECK_FALSE(GrantWithin(dropped, parent));
  CHECK_FALSE(GrantWithin(child({"Decrypt"}), parent));  // no constraint at all

  // A subset may become an equals that holds its pairs; an equals stays the same equals.
  Grant equals = child({"Decrypt"});
  equals.context_equals = ContextPairs{{"Department", "IT"}, {"Purpose", "Test"}};
  CHECK(GrantWithin(equals, parent));
  Grant equals_without = child({"Decrypt"});
  equals_without.context_equals = ContextPairs{{"Purpose", "Test"}};
  CHECK_FALSE(GrantWithin(equals_without, parent));

  Grant equals_parent = GrantFor(std::string(kAlice), {"Decrypt", "CreateGrant"});
  equals_parent.context_equals = ContextPairs{{"Department", "IT"}};
  Grant same = child({"Decrypt"});
  same.context_equals = ContextPairs{{"department", "IT"}};
  CHECK(GrantWithin(same, equals_parent));
  Grant wider = child({"Decrypt"});
  wider.context_equals = ContextPairs{{"Department", "IT"}, {"Purpose", "Test"}};
  CHECK_FALSE(GrantWithin(wider, equals_parent));
  Grant as_subset = child({"Decrypt"});
  as_subset.context_subset = ContextPairs{{"Department", "IT"}};
  CHECK_FALSE(GrantWithin(as_subset, equals_parent));

  // A parent without constraints takes any constraint, or none.
  Grant open = GrantFor(std::string(kAlice), {"Encrypt", "CreateGrant"});
  CHECK(GrantWithin(child({"Encrypt"}), open));
  CHECK(GrantWithin(same, GrantFor(std::string(kAlice), {"Decrypt", "CreateGrant"})));
}
