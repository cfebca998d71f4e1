// A key store over a SoftHSM token and a SQLite file in a directory, opened as trentd opens
// them, for the key store's unit tests.
#pragma once

#include <catch.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>

#include "hsm/hsm.h"
#include "server/kms/key_store.h"
#include "storage/key_repository.h"
#include "tests/unit/softhsm_dir.h"

namespace trent::testing {

struct OpenStore {
  std::unique_ptr<hsm::Hsm> hsm;
  std::unique_ptr<storage::KeyRepository> repo;
  std::unique_ptr<kms::KeyStore> keys;
  int64_t key_quota;

  explicit OpenStore(const std::filesystem::path& dir, int64_t quota = 1000) : key_quota(quota) {
    auto h = hsm::Hsm::Open(SoftHsmIn(dir, "store-test"));
    REQUIRE(h.ok());
    hsm = std::move(*h);
    auto r = storage::KeyRepository::Open((dir / "trent.db").string());
    REQUIRE(r.ok());
    repo = std::move(*r);
    Reload();
  }

  // Loads the store again from storage, as a restarted trentd does.
  void Reload() {
    keys.reset();
    auto k = kms::KeyStore::Load(*repo, *hsm, key_quota, kms::MaterialCache::kDefaultCapacity);
    REQUIRE(k.ok());
    keys = std::move(*k);
  }
};

}  // namespace trent::testing
