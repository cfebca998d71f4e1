// Rotation in the key store against a real SoftHSM token and a real SQLite file: versions made
// by rotations, the rotation state through a reopen, due rotations caught up (once) at start,
// and the rules of rotation.h.
#include <catch.hpp>

#include <filesystem>
#include <memory>

#include "common/clock.h"
#include "hsm/hsm.h"
#include "server/kms/deletion_sweeper.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "server/kms/rotation.h"
#include "storage/key_repository.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

namespace fs = std::filesystem;
using namespace trent;
using namespace trent::kms;

namespace {

constexpr int64_t kDay = kMillisPerDay;
constexpr int64_t kStart = 1'700'000'000'000;

using testing::OpenStore;

NewKeySpec Spec() {
  NewKeySpec spec;
  spec.account = "111122223333";
  spec.region = "us-east-1";
  return spec;
}

KeyPtr EnableRotationOf(KeyStore& keys, const KeyPtr& key, int32_t days, int64_t now_ms) {
  auto updated = keys.Update(*key, [&](Key& k) { return EnableRotation(k, days, now_ms); });
  REQUIRE(updated.ok());
  return *updated;
}

}  // namespace

TEST_CASE("rotations add versions; old ciphertexts decrypt; the state survives a reopen") {
  testing::TempDir dir;
  std::string key_id, blob;
  std::vector<KeyMaterialId> materials;
  {
    OpenStore open(dir.path);
    auto created = open.keys->Create(Spec(), kStart);
    REQUIRE(created.ok());
    KeyPtr key = EnableRotationOf(*open.keys, *created, 90, kStart);
    key_id = key->id;
    KeyCrypto crypto(*open.keys);
    auto sealed = crypto.Encrypt(*key, "first", {});
    REQUIRE(sealed.ok());
    blob = *sealed;
    auto rotated = open.keys->RotateOnDemand(*key, kStart + 1000);
    REQUIRE(rotated.ok());
    key = *rotated;
    REQUIRE(key->versions.size() == 2);
    CHECK(key->current_version().rotation_type == RotationType::kOnDemand);
    CHECK(key->current_version().created_at_ms == kStart + 1000);
    CHECK(key->next_rotation_ms == kStart + 90 * kDay);  // on-demand leaves the schedule alone
    // The new version is found by its id, as Decrypt looks it up.
    CHECK(open.keys->FindByVersion(key->current_version().id_view()) == key);
    for (const auto& v : key->versions) materials.push_back(v->key_material_id);
  }
  OpenStore open(dir.path);
  KeyPtr key = open.keys->Find(key_id);
  REQUIRE(key);
  REQUIRE(key->versions.size() == 2);
  CHECK(key->versions[0]->rotation_type == RotationType::kNone);
  CHECK(key->versions[1]->rotation_type == RotationType::kOnDemand);
  CHECK(key->versions[1]->key_material_id == materials[1]);
  CHECK(key->rotation_period_days == 90);
  CHECK(key->next_rotation_ms == kStart + 90 * kDay);
  KeyCrypto crypto(*open.keys);
  auto located = crypto.Locate(blob, "us-east-1");
  REQUIRE(located.ok());
  CHECK(located->version->key_material_id == materials[0]);
  auto opened = crypto.Open(*located, {});
  REQUIRE(opened.ok());
  CHECK(opened->view() == "first");
}

TEST_CASE("due rotations passed while trentd was down are caught up once at start") {
  testing::TempDir dir;
  std::string due_id, later_id, disabled_id, off_id;
  {
    OpenStore open(dir.path);
    auto make = [&](int32_t days) {
      auto k = open.keys->Create(Spec(), kStart);
      REQUIRE(k.ok());
      return EnableRotationOf(*open.keys, *k, days, kStart);
    };
    due_id = make(90)->id;
    later_id = make(2000)->id;
    KeyPtr disabled = make(90);
    disabled_id = disabled->id;
    REQUIRE(open.keys->Update(*disabled, Disable).ok());
    auto off = open.keys->Create(Spec(), kStart);
    REQUIRE(off.ok());
    off_id = (*off)->id;
  }
  // Reopened ten periods later: the first sweep, as at start.
  const int64_t now = kStart + 900 * kDay;
  OpenStore open(dir.path);
  auto rotated = open.keys->RotateDue(now);
  REQUIRE(rotated.ok());
  CHECK(*rotated == 1);
  KeyPtr due = open.keys->Find(due_id);
  REQUIRE(due->versions.size() == 2);
  CHECK(due->current_version().rotation_type == RotationType::kAutomatic);
  CHECK(due->current_version().created_at_ms == now);
  CHECK(due->next_rotation_ms == now + 90 * kDay);
  CHECK(open.keys->Find(later_id)->versions.size() == 1);
  CHECK(open.keys->Find(disabled_id)->versions.size() == 1);
  CHECK(open.keys->Find(off_id)->versions.size() == 1);
  // Nothing more is due until the next date.
  rotated = open.keys->RotateDue(now + 90 * kDay - 1);
  REQUIRE(rotated.ok());
  CHECK(*rotated == 0);

  // The disabled key rotates once enabled again (its date has passed).
  REQUIRE(open.keys->Update(*open.keys->Find(disabled_id), Enable).ok());
  rotated = open.keys->RotateDue(now + 1);
  REQUIRE(rotated.ok());
  CHECK(*rotated == 1);
  CHECK(open.keys->Find(disabled_id)->versions.size() == 2);
}

TEST_CASE("the background task rotates at start and when the clock passes the date") {
  testing::TempDir dir;
  std::string key_id;
  {
    OpenStore open(dir.path);
    auto created = open.keys->Create(Spec(), kStart);
    REQUIRE(created.ok());
    key_id = EnableRotationOf(*open.keys, *created, 90, kStart)->id;
  }
  // trentd was down for two periods: the task's first sweep rotates the key once.
  ManualClock clock(kStart + 200 * kDay);
  OpenStore open(dir.path);
  DeletionSweeper task(*open.keys, clock, std::chrono::hours(1));
  task.RunNow();
  KeyPtr key = open.keys->Find(key_id);
  REQUIRE(key->versions.size() == 2);
  CHECK(key->current_version().rotation_type == RotationType::kAutomatic);
  CHECK(key->next_rotation_ms == kStart + 290 * kDay);
  clock.Advance(90 * kDay - 1);
  task.RunNow();
  CHECK(open.keys->Find(key_id)->versions.size() == 2);
  clock.Advance(1);
  task.RunNow();
  CHECK(open.keys->Find(key_id)->versions.size() == 3);
}

TEST_CASE("a rotation is re-decided on the key as it is when it commits") {
  testing::TempDir dir;
  OpenStore open(dir.path);
  auto created = open.keys->Create(Spec(), kStart);
  REQUIRE(created.ok());
  KeyPtr stale = *created;  // taken before the key was disabled
  REQUIRE(open.keys->Update(*stale, Disable).ok());
  auto rotated = open.keys->RotateOnDemand(*stale, kStart);
  REQUIRE_FALSE(rotated.ok());
  CHECK(rotated.status().code() == ErrorCode::kDisabled);
  CHECK(open.keys->Find(stale->id)->versions.size() == 1);
  CHECK_FALSE(open.keys->OnDemandRotationStart(stale->id).has_value());
}

TEST_CASE("on-demand rotations are limited per key") {
  testing::TempDir dir;
  OpenStore open(dir.path);
  auto created = open.keys->Create(Spec(), kStart);
  REQUIRE(created.ok());
  KeyPtr key = *created;
  for (int64_t i = 0; i < kMaxOnDemandRotations; ++i) {
    auto rotated = open.keys->RotateOnDemand(*key, kStart + i);
    REQUIRE(rotated.ok());
    key = *rotated;
  }
  CHECK(OnDemandRotations(*key) == kMaxOnDemandRotations);
  auto refused = open.keys->RotateOnDemand(*key, kStart + kDay);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("rotation rules") {
  Key key;
  key.region = "us-east-1";
  key.account = "111122223333";
  key.id = "k";
  SECTION("a new period moves the next date from the same start") {
    REQUIRE(EnableRotation(key, 365, kStart).ok());
    CHECK(key.next_rotation_ms == kStart + 365 * kDay);
    REQUIRE(EnableRotation(key, 90, kStart + kDay).ok());
    CHECK(key.next_rotation_ms == kStart + 90 * kDay);
    REQUIRE(DisableRotation(key).ok());
    CHECK_FALSE(key.next_rotation_ms.has_value());
    REQUIRE(EnableRotation(key, 100, kStart + 2 * kDay).ok());
    CHECK(key.next_rotation_ms == kStart + 102 * kDay);
  }
  SECTION("only enabled keys change rotation or rotate") {
    key.state = KeyState::kDisabled;
    CHECK(EnableRotation(key, 365, kStart).code() == ErrorCode::kDisabled);
    CHECK(RequireOnDemandRotationAllowed(key).code() == ErrorCode::kDisabled);
    key.state = KeyState::kPendingDeletion;
    CHECK(DisableRotation(key).code() == ErrorCode::kInvalidState);
  }
  SECTION("rotation shows as off while the key is pending deletion") {
    REQUIRE(EnableRotation(key, 365, kStart).ok());
    CHECK(AutomaticRotationShown(key));
    key.state = KeyState::kPendingDeletion;
    CHECK_FALSE(AutomaticRotationShown(key));
    CHECK_FALSE(RotationDue(key, kStart + 400 * kDay));
  }
  SECTION("only symmetric keys with KMS-made material rotate") {
    CHECK(RequireRotatable(key).ok());
    key.key_spec = "RSA_2048";
    CHECK(RequireRotatable(key).code() == ErrorCode::kUnsupportedOperation);
  }
}
