// The key policy lockout safety check (ops/key_policy.h): which callers a new key policy must
// still let make a PutKeyPolicy request, with and without identity policies, and its bypass.
#include <catch.hpp>

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "common/clock.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_policy.h"
#include "server/kms/last_usage.h"
#include "server/ops/key_policy.h"
#include "tests/unit/key_store_fixture.h"

using namespace trent;

namespace {

constexpr std::string_view kAccount = "111122223333";
constexpr std::string_view kRoot = "arn:aws:iam::111122223333:root";
constexpr std::string_view kAlice = "arn:aws:iam::111122223333:user/alice";
constexpr std::string_view kKeyArn =
    "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-0000-4000-8000-000000000001";

std::string KeyPolicy(std::string_view principal, std::string_view action = "kms:*") {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":")" +
         std::string(principal) + R"("},"Action":")" + std::string(action) +
         R"(","Resource":"*"}]})";
}

policy::DocumentPtr IdentityPolicy(std::string_view statements) {
  auto parsed = policy::Parse(R"({"Version":"2012-10-17","Statement":[)" +
                                  std::string(statements) + "]}",
                              policy::Kind::kIdentityPolicy);
  REQUIRE(parsed.ok());
  return *parsed;
}

// What the check is given besides the call: a key store over a real SoftHSM token and SQLite
// file (the check asks it nothing here: the key does not exist yet, as in CreateKey).
struct Fixture {
  testing::TempDir dir{"trent-key-policy"};
  testing::OpenStore open{dir.path};
  kms::KeyCrypto crypto{*open.keys};
  kms::UsageTracker usage{0};
  SystemClock clock;
  ops::Services services{*open.keys, crypto, usage, clock, std::string(kAccount)};
};

// The outcome of ReadNewKeyPolicy for `caller` putting `text`.
Status Check(ops::Services& s, std::string_view caller, const std::string& text,
             const std::vector<policy::DocumentPtr>* identity = nullptr, bool bypass = false) {
  ops::Call call;
  call.action = "kms:PutKeyPolicy";
  call.account = kAccount;
  call.principal_arn = caller;
  call.region = "us-east-1";
  call.identity_policies = identity;
  ops::Input in{{"Policy", text}};
  if (bypass) in["BypassPolicyLockoutSafetyCheck"] = true;
  call.input = &in;
  return ops::ReadNewKeyPolicy(call, in, kKeyArn, kAccount, s).status();
}

bool LockedOut(const Status& s) {
  return s.code() == ErrorCode::kMalformedPolicyDocument &&
         s.message() ==
             "The new key policy will not allow you to update the key policy in the future.";
}

}  // namespace

TEST_CASE("the account's root passes when the policy allows it or its account") {
  Fixture f;
  CHECK(Check(f.services, kRoot, kms::DefaultKeyPolicy(kAccount)).ok());
  CHECK(Check(f.services, kRoot, KeyPolicy(std::string(kAccount))).ok());
  CHECK(Check(f.services, kRoot, KeyPolicy("*")).ok());
  CHECK(Check(f.services, kRoot, KeyPolicy(kRoot, "kms:PutKey*")).ok());
  CHECK(LockedOut(Check(f.services, kRoot, KeyPolicy(kRoot, "kms:Get*"))));
  CHECK(LockedOut(Check(f.services, kRoot, KeyPolicy(kAlice))));
  CHECK(LockedOut(Check(f.services, kRoot, KeyPolicy("arn:aws:iam::444455556666:root"))));
}

TEST_CASE("a user allowed through its account needs its identity policies to allow too") {
  Fixture f;
  const std::string delegating = KeyPolicy(kRoot);
  // No identity policies on record: trent takes them as allowing everything.
  CHECK(Check(f.services, kAlice, delegating).ok());
  const std::vector<policy::DocumentPtr> encrypt_only = {
      IdentityPolicy(R"({"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"})")};
  CHECK(LockedOut(Check(f.services, kAlice, delegating, &encrypt_only)));
  const std::vector<policy::DocumentPtr> admin = {
      IdentityPolicy(R"({"Effect":"Allow","Action":"kms:*","Resource":"*"})")};
  CHECK(Check(f.services, kAlice, delegating, &admin).ok());
  const std::vector<policy::DocumentPtr> admin_but_denied = {
      IdentityPolicy(R"({"Effect":"Allow","Action":"kms:*","Resource":"*"})"),
      IdentityPolicy(R"({"Effect":"Deny","Action":"kms:PutKeyPolicy","Resource":"*"})")};
  CHECK(LockedOut(Check(f.services, kAlice, delegating, &admin_but_denied)));
  // Named in the key policy itself, the user needs no identity policy.
  CHECK(Check(f.services, kAlice, KeyPolicy(kAlice), &encrypt_only).ok());
}

TEST_CASE("the bypass skips the check, not the parser nor the size quota") {
  Fixture f;
  CHECK(Check(f.services, kRoot, KeyPolicy(kAlice), nullptr, true).ok());
  CHECK(Check(f.services, kRoot, "{}", nullptr, true).code() == ErrorCode::kMalformedPolicyDocument);
  std::string big = KeyPolicy(kRoot);
  big.insert(big.size() - 1, kms::kMaxKeyPolicyBytes, ' ');
  CHECK(Check(f.services, kRoot, big, nullptr, true).code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("the policy name is default or absent") {
  CHECK(ops::RequireDefaultPolicyName({}).ok());
  CHECK(ops::RequireDefaultPolicyName({{"PolicyName", "default"}}).ok());
  Status other = ops::RequireDefaultPolicyName({{"PolicyName", "Default"}});
  CHECK(other.code() == ErrorCode::kNotFound);
  CHECK(other.message() == "No such policy exists");
}
