// The bounded cache of unwrapped key versions, against a real SoftHSM token: what it leaves in
// the module is counted by the module itself (hsm::CountSessionKeysForTesting).
#include <catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "hsm/hsm.h"
#include "hsm/hsm_testing.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "server/kms/material_cache.h"
#include "storage/key_repository.h"
#include "tests/unit/softhsm_dir.h"

namespace fs = std::filesystem;
using namespace trent;
using namespace trent::kms;

namespace {

using testing::TempDir;

std::unique_ptr<hsm::Hsm> OpenSoftHsm(
    const fs::path& dir,
    size_t recycle_after_destroyed = hsm::HsmConfig::kDefaultRecycleAfterDestroyed) {
  hsm::HsmConfig config = testing::SoftHsmIn(dir, "material-cache-test");
  config.recycle_after_destroyed = recycle_after_destroyed;
  auto h = hsm::Hsm::Open(config);
  INFO(h.status().message());
  REQUIRE(h.ok());
  return std::move(h).value();
}

std::vector<std::shared_ptr<const KeyVersion>> NewVersions(hsm::Hsm& hsm, size_t n) {
  std::vector<std::shared_ptr<const KeyVersion>> versions;
  for (size_t i = 0; i < n; ++i) {
    auto generated = hsm.GenerateKey(hsm::KeyKind::kAes256);
    REQUIRE(generated.ok());
    auto v = std::make_shared<KeyVersion>();
    v->wrapped_material = std::move(generated->wrapped);
    versions.push_back(std::move(v));
  }
  return versions;
}

size_t SessionKeys(hsm::Hsm& hsm) {
  auto n = hsm::CountSessionKeysForTesting(hsm);
  REQUIRE(n.ok());
  return *n;
}

// `n` key versions and a cache of `capacity` over a fresh SoftHSM token.
struct CacheOverSoftHsm {
  TempDir dir;
  std::unique_ptr<hsm::Hsm> hsm;
  std::vector<std::shared_ptr<const KeyVersion>> versions;
  MaterialCache cache;

  CacheOverSoftHsm(size_t n, size_t capacity,
                   size_t recycle_after_destroyed = hsm::HsmConfig::kDefaultRecycleAfterDestroyed)
      : hsm(OpenSoftHsm(dir.path, recycle_after_destroyed)),
        versions(NewVersions(*hsm, n)),
        cache(*hsm, capacity) {}
};

MaterialCache::Pin MustAcquire(MaterialCache& cache, const std::shared_ptr<const KeyVersion>& v) {
  auto pin = cache.Acquire(v);
  INFO(pin.status().message());
  REQUIRE(pin.ok());
  return std::move(pin).value();
}

const uint8_t kIv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

// Encrypts under one pin of `v`, decrypts under another, acquired separately.
bool RoundTrips(MaterialCache& cache, hsm::Hsm& hsm, const std::shared_ptr<const KeyVersion>& v,
                const std::string& plaintext) {
  Bytes sealed;
  {
    auto pin = cache.Acquire(v);
    if (!pin.ok()) return false;
    auto ct = hsm.EncryptGcm(pin->handle(), kIv, "aad", plaintext);
    if (!ct.ok()) return false;
    sealed = std::move(*ct);
  }
  auto pin = cache.Acquire(v);
  if (!pin.ok()) return false;
  auto pt = hsm.DecryptGcm(pin->handle(), kIv, "aad", AsStringView(sealed));
  return pt.ok() && pt->view() == plaintext;
}

// Four threads each round-trip `rounds` times, over the versions in turn; how many failed.
int ConcurrentRoundTripFailures(CacheOverSoftHsm& fixture, int rounds) {
  // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
  auto& hsm = fixture.hsm;
  auto& versions = fixture.versions;
  auto& cache = fixture.cache;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        const size_t v = (static_cast<size_t>(t) * 7 + static_cast<size_t>(i) * 5) %
                         versions.size();
        if (!RoundTrips(cache, *hsm, versions[v], std::to_string(t) + "/" + std::to_string(i))) {
          ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return failures;
}

}  // namespace

TEST_CASE("the cache keeps at most its capacity unwrapped and unwraps again on a miss") {
  CacheOverSoftHsm fixture(10, 3);
  // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
  auto& hsm = fixture.hsm;
  auto& versions = fixture.versions;
  auto& cache = fixture.cache;

  // Ciphertexts made while each version was freshly unwrapped...
  std::vector<Bytes> sealed;
  for (size_t i = 0; i < versions.size(); ++i) {
    auto pin = MustAcquire(cache, versions[i]);
    auto ct = hsm->EncryptGcm(pin.handle(), kIv, "", "plaintext " + std::to_string(i));
    REQUIRE(ct.ok());
    sealed.push_back(std::move(*ct));
    CHECK(SessionKeys(*hsm) <= 3);
  }
  CHECK(SessionKeys(*hsm) == 3);
  // ...still open after every version has been evicted and unwrapped again.
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < versions.size(); ++i) {
      auto pin = MustAcquire(cache, versions[i]);
      auto pt = hsm->DecryptGcm(pin.handle(), kIv, "", AsStringView(sealed[i]));
      INFO(pt.status().message());
      REQUIRE(pt.ok());
      CHECK(pt->view() == "plaintext " + std::to_string(i));
      CHECK(SessionKeys(*hsm) <= 3);
    }
  }
}

TEST_CASE("a hit returns the cached handle") {
  CacheOverSoftHsm fixture(2, 2);
  // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
  auto& hsm = fixture.hsm;
  auto& versions = fixture.versions;
  auto& cache = fixture.cache;
  const hsm::KeyHandle first = MustAcquire(cache, versions[0]).handle();
  MustAcquire(cache, versions[1]);
  CHECK(MustAcquire(cache, versions[0]).handle() == first);
  CHECK(SessionKeys(*hsm) == 2);
}

TEST_CASE("a pinned handle is never evicted, even when every slot is pinned") {
  CacheOverSoftHsm fixture(8, 1);
  // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
  auto& hsm = fixture.hsm;
  auto& versions = fixture.versions;
  auto& cache = fixture.cache;
  auto held = MustAcquire(cache, versions[0]);

  for (size_t i = 1; i < versions.size(); ++i) {
    // The only slot is pinned: this one is unwrapped for its pin alone...
    auto pin = MustAcquire(cache, versions[i]);
    CHECK(pin.handle() != held.handle());
    CHECK(SessionKeys(*hsm) == 2);
    auto ct = hsm->EncryptGcm(pin.handle(), kIv, "", "x");
    CHECK(ct.ok());
  }
  // ...and destroyed with it, while the pinned one stayed usable throughout.
  CHECK(SessionKeys(*hsm) == 1);
  auto ct = hsm->EncryptGcm(held.handle(), kIv, "", "still here");
  INFO(ct.status().message());
  CHECK(ct.ok());
}

TEST_CASE("concurrent users never see a handle destroyed under them") {
  CacheOverSoftHsm fixture(24, 4);
  CHECK(ConcurrentRoundTripFailures(fixture, 300) == 0);
  CHECK(SessionKeys(*fixture.hsm) <= 4);
}

TEST_CASE("concurrent users keep their handles while the module is recycled under them") {
  // Each miss destroys an evicted version: the module is recycled every 16 misses or so.
  CacheOverSoftHsm fixture(24, 4, 16);
  const uint64_t recycles_before = fixture.hsm->Recycles();
  CHECK(ConcurrentRoundTripFailures(fixture, 200) == 0);
  CHECK(fixture.hsm->Recycles() >= recycles_before + 10);
  // What the cache holds now, all of it usable and nothing more in the module.
  for (const auto& v : fixture.versions) CHECK(RoundTrips(fixture.cache, *fixture.hsm, v, "after"));
  CHECK(SessionKeys(*fixture.hsm) <= 4);
}

TEST_CASE("forgetting a version waits for its pins, destroys it, and refuses to unwrap it again") {
  CacheOverSoftHsm fixture(2, 2);
  // Named references, not a structured binding: clang 14 cannot capture bindings in lambdas.
  auto& hsm = fixture.hsm;
  auto& versions = fixture.versions;
  auto& cache = fixture.cache;
  MustAcquire(cache, versions[1]);

  std::atomic<bool> forgotten{false};
  std::thread deleter;
  {
    auto pin = MustAcquire(cache, versions[0]);
    deleter = std::thread([&] {
      CHECK(cache.Forget(*versions[0]).ok());
      forgotten = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(forgotten);
    CHECK(hsm->EncryptGcm(pin.handle(), kIv, "", "in use during the delete").ok());
  }
  deleter.join();
  CHECK(SessionKeys(*hsm) == 1);
  auto again = cache.Acquire(versions[0]);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == ErrorCode::kNotFound);
  CHECK(SessionKeys(*hsm) == 1);
  CHECK(cache.Forget(*versions[1]).ok());
  CHECK(SessionKeys(*hsm) == 0);
}

// The defect: Delete destroyed the handle, but a request holding an older snapshot of the key
// unwrapped it again afterwards, and that material stayed in the module for good.
TEST_CASE("a request racing the deletion of its key leaves no material behind") {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  auto hsm = OpenSoftHsm(dir.path);
  auto repo = storage::KeyRepository::Open((dir.path / "trent.db").string());
  REQUIRE(repo.ok());
  auto store = KeyStore::Load(**repo, *hsm, /*key_quota=*/1000, /*key_cache_size=*/4);
  REQUIRE(store.ok());
  KeyStore& keys = **store;
  KeyCrypto crypto(keys);

  NewKeySpec spec;
  spec.account = "111122223333";
  spec.region = "us-east-1";
  std::vector<KeyPtr> snapshots;
  std::vector<LocatedCiphertext> located;  // Decrypts found their key before it was deleted
  for (int i = 0; i < 6; ++i) {
    auto key = keys.Create(spec, clock.NowMillis());
    REQUIRE(key.ok());
    snapshots.push_back(*key);
    auto blob = crypto.Encrypt(**key, "secret", {});
    REQUIRE(blob.ok());
    auto found = crypto.Locate(*blob, spec.region);
    REQUIRE(found.ok());
    located.push_back(std::move(*found));
  }
  // Requests on the snapshots run while every key is deleted under them.
  // (Catch2 assertions are not thread-safe: the threads count what they see.)
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0}, wrong_answers{0};
  std::vector<std::thread> requests;
  for (int t = 0; t < 3; ++t) {
    requests.emplace_back([&] {
      while (!stop) {
        for (const auto& key : snapshots) {
          auto blob = crypto.Encrypt(*key, "secret", {});
          if (blob.ok()) continue;
          ++refused;
          if (blob.status().code() != ErrorCode::kNotFound ||
              blob.status().message() != "Key '" + key->arn() + "' does not exist") {
            ++wrong_answers;
          }
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (const auto& key : snapshots) {
    const KeyEdit schedule = [&](Key& k) { return ScheduleDeletion(k, clock.NowMillis(), 7); };
    REQUIRE(keys.Update(*key, schedule).ok());
  }
  auto purged = keys.PurgeExpired(clock.NowMillis());
  REQUIRE(purged.ok());
  CHECK(*purged == snapshots.size());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  for (auto& th : requests) th.join();
  CHECK(refused > 0);
  CHECK(wrong_answers == 0);

  CHECK(SessionKeys(*hsm) == 0);
  for (const auto& key : snapshots) {
    auto pin = keys.HandleFor(*key, key->current_version());
    CHECK_FALSE(pin.ok());
  }
  // A Decrypt that found its key before the deletion answers as if it had not found it.
  for (const auto& found : located) {
    auto plaintext = crypto.Open(found, {});
    REQUIRE_FALSE(plaintext.ok());
    CHECK(plaintext.status().code() == ErrorCode::kInvalidCiphertext);
  }
  CHECK(SessionKeys(*hsm) == 0);
}
