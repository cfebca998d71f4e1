// Grants in the key store, against a real SoftHSM token and a real SQLite file: added and
// erased by edits, stored as the difference only, loaded back in order, shared between
// snapshots, indexed for ListRetirableGrants, and gone with their purged key.
#include <catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "server/kms/grants.h"
#include "server/kms/key_store.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

using namespace trent;
using namespace trent::kms;
using testing::OpenStore;
using testing::TempDir;

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

NewKeySpec Spec() {
  NewKeySpec spec;
  spec.account = "111122223333";
  spec.region = "us-east-1";
  return spec;
}

GrantPtr MakeGrant(std::string retiring = "") {
  auto g = std::make_shared<policy::Grant>();
  auto id = NewGrantId();
  REQUIRE(id.ok());
  g->grant_id = *id;
  g->grantee_principal = "arn:aws:iam::111122223333:user/alice";
  g->retiring_principal = std::move(retiring);
  g->issuing_account = "arn:aws:iam::111122223333:root";
  g->operations = {"Encrypt", "Decrypt"};
  g->context_equals = policy::ContextPairs{{"a", "1"}, {"b", "2"}};
  g->created_at_ms = kNow;
  return g;
}

KeyPtr AddGrant(KeyStore& keys, const Key& key, GrantPtr grant) {
  auto updated = keys.Update(key, [&](Key& k) {
    k.grants.push_back(grant);
    return Status::Ok();
  });
  REQUIRE(updated.ok());
  return *updated;
}

std::vector<std::string> IdsOf(const Key& key) {
  std::vector<std::string> ids;
  for (const GrantPtr& g : key.grants) ids.push_back(g->grant_id);
  return ids;
}

}  // namespace

TEST_CASE("grants added and erased by edits survive a reload, in creation order") {
  TempDir dir;
  std::vector<GrantPtr> made = {MakeGrant(), MakeGrant("arn:aws:iam::111122223333:role/r"),
                                MakeGrant()};
  std::string key_id;
  {
    OpenStore open(dir.path);
    auto created = open.keys->Create(Spec(), kNow);
    REQUIRE(created.ok());
    key_id = (*created)->id;
    KeyPtr key = *created;
    for (const GrantPtr& g : made) key = AddGrant(*open.keys, *key, g);
    // Snapshots share the grants they have in common.
    CHECK(key->grants[0] == made[0]);
    auto erased = open.keys->Update(*key, [&](Key& k) {
      k.grants.erase(k.grants.begin() + 1);
      return Status::Ok();
    });
    REQUIRE(erased.ok());
    CHECK(IdsOf(**erased) == std::vector<std::string>{made[0]->grant_id, made[2]->grant_id});
    CHECK(open.keys->KeysWithGrants("us-east-1").size() == 1);
    CHECK(open.keys->KeysWithGrants("eu-west-1").empty());
  }
  OpenStore open(dir.path);
  KeyPtr key = open.keys->Find(key_id);
  REQUIRE(key);
  REQUIRE(IdsOf(*key) == std::vector<std::string>{made[0]->grant_id, made[2]->grant_id});
  const policy::Grant& g = *key->grants[0];
  CHECK(g.grantee_principal == made[0]->grantee_principal);
  CHECK(g.issuing_account == made[0]->issuing_account);
  CHECK(g.operations == made[0]->operations);
  CHECK(g.context_equals == made[0]->context_equals);
  CHECK_FALSE(g.context_subset);
  CHECK(g.created_at_ms == kNow);
  CHECK(key->FindGrant(made[2]->grant_id) == key->grants[1].get());
  CHECK(key->FindGrant(made[1]->grant_id) == nullptr);
  CHECK(open.keys->KeysWithGrants("us-east-1").size() == 1);
}

TEST_CASE("an edit that reorders grants is refused and changes nothing") {
  TempDir dir;
  OpenStore open(dir.path);
  auto created = open.keys->Create(Spec(), kNow);
  REQUIRE(created.ok());
  KeyPtr key = AddGrant(*open.keys, **created, MakeGrant());
  key = AddGrant(*open.keys, *key, MakeGrant());
  auto reordered = open.keys->Update(*key, [](Key& k) {
    std::swap(k.grants[0], k.grants[1]);
    return Status::Ok();
  });
  CHECK(reordered.status().code() == ErrorCode::kInternal);
  CHECK(IdsOf(*open.keys->Find(key->id)) == IdsOf(*key));
  open.Reload();
  CHECK(IdsOf(*open.keys->Find(key->id)) == IdsOf(*key));
}

TEST_CASE("a purged key takes its grants with it") {
  TempDir dir;
  OpenStore open(dir.path);
  auto created = open.keys->Create(Spec(), kNow);
  REQUIRE(created.ok());
  KeyPtr key = AddGrant(*open.keys, **created, MakeGrant());
  auto scheduled = open.keys->Update(*key, [](Key& k) {
    return ScheduleDeletion(k, kNow + kMillisPerDay, 7);
  });
  REQUIRE(scheduled.ok());
  auto purged = open.keys->PurgeExpired(kNow + 2 * kMillisPerDay);
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(open.keys->KeysWithGrants("us-east-1").empty());
  open.Reload();
  CHECK(open.keys->KeysWithGrants("us-east-1").empty());
}
