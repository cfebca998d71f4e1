// The key store against a real SoftHSM token and a real SQLite file.
#include <catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "common/clock.h"
#include "hsm/hsm.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "storage/key_repository.h"

namespace fs = std::filesystem;
using namespace trent;
using namespace trent::kms;

namespace {

constexpr int64_t kDay = 24LL * 60 * 60 * 1000;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/trent-keystore-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

hsm::HsmConfig SoftHsmIn(const fs::path& dir) {
  fs::create_directories(dir / "tokens");
  hsm::HsmConfig c;
  c.module_path = TRENT_DEFAULT_PKCS11_MODULE;
  c.token_label = "keystore-test";
  c.pin = "1234";
  c.so_pin = "5678";
  c.auto_init = true;
  c.softhsm_token_dir = (dir / "tokens").string();
  c.softhsm_conf_path = (dir / "softhsm2.conf").string();
  return c;
}

// A key store over a SoftHSM token and a SQLite file in `dir`, as trentd opens them.
struct OpenStore {
  std::unique_ptr<hsm::Hsm> hsm;
  std::unique_ptr<storage::KeyRepository> repo;
  std::unique_ptr<KeyStore> keys;

  explicit OpenStore(const fs::path& dir) {
    auto h = hsm::Hsm::Open(SoftHsmIn(dir));
    REQUIRE(h.ok());
    hsm = std::move(*h);
    auto r = storage::KeyRepository::Open((dir / "trent.db").string());
    REQUIRE(r.ok());
    repo = std::move(*r);
    auto k = KeyStore::Load(*repo, *hsm);
    REQUIRE(k.ok());
    keys = std::move(*k);
  }
};

NewKeySpec Spec() {
  NewKeySpec spec;
  spec.account = "111122223333";
  spec.region = "us-east-1";
  spec.description = "test key";
  spec.tags = {{"team", "storage"}};
  return spec;
}

}  // namespace

TEST_CASE("keys survive a reopen and their ciphertexts still decrypt") {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  std::string blob, key_id;
  EncryptionContext context = {{"purpose", "test"}};
  {
    OpenStore open(dir.path);
    auto key = open.keys->Create(Spec(), clock.NowMillis());
    REQUIRE(key.ok());
    key_id = (*key)->id;
    KeyCrypto crypto(*open.keys);
    auto sealed = crypto.Encrypt(**key, "hello", context);
    REQUIRE(sealed.ok());
    blob = *sealed;
  }
  OpenStore open(dir.path);
  KeyPtr key = open.keys->Find(key_id);
  REQUIRE(key);
  CHECK(key->description == "test key");
  REQUIRE(key->tags.size() == 1);
  CHECK(key->tags[0].value == "storage");

  KeyCrypto crypto(*open.keys);
  auto located = crypto.Locate(blob, "111122223333", "us-east-1");
  REQUIRE(located.ok());
  CHECK(located->key->id == key_id);
  auto plaintext = crypto.Open(*located, context);
  REQUIRE(plaintext.ok());
  CHECK(plaintext->view() == "hello");

  CHECK(crypto.Open(*located, {{"purpose", "other"}}).status().code() ==
        ErrorCode::kInvalidCiphertext);
  CHECK(crypto.Locate(blob, "111122223333", "eu-west-1").status().code() ==
        ErrorCode::kInvalidCiphertext);
}

TEST_CASE("a key is deleted only once its deletion date has passed") {
  TempDir dir;
  ManualClock clock(1'700'000'000'000);
  OpenStore open(dir.path);
  KeyStore& keys = *open.keys;
  KeyCrypto crypto(keys);

  auto doomed = keys.Create(Spec(), clock.NowMillis());
  auto kept = keys.Create(Spec(), clock.NowMillis());
  REQUIRE(doomed.ok());
  REQUIRE(kept.ok());
  auto blob = crypto.Encrypt(**doomed, "secret", {});
  REQUIRE(blob.ok());
  auto pending = keys.SetState(**doomed, KeyState::kPendingDeletion, clock.NowMillis() + 7 * kDay, 7);
  REQUIRE(pending.ok());

  clock.Advance(7 * kDay - 1);
  REQUIRE(keys.PurgeExpired(clock.NowMillis()).ok());
  CHECK(keys.Find((*doomed)->id) != nullptr);

  clock.Advance(1);
  auto purged = keys.PurgeExpired(clock.NowMillis());
  REQUIRE(purged.ok());
  CHECK(*purged == 1);
  CHECK(keys.Find((*doomed)->id) == nullptr);
  CHECK(keys.Find((*kept)->id) != nullptr);
  CHECK(crypto.Locate(*blob, "111122223333", "us-east-1").status().code() ==
        ErrorCode::kInvalidCiphertext);
  CHECK(keys.List("111122223333", "us-east-1", 0, 10).size() == 1);

  // Gone from storage too: a fresh load does not see it.
  auto reloaded = KeyStore::Load(*open.repo, *open.hsm);
  REQUIRE(reloaded.ok());
  CHECK((*reloaded)->Find((*doomed)->id) == nullptr);
  CHECK((*reloaded)->Find((*kept)->id) != nullptr);
}

TEST_CASE("listing pages through one account and region in creation order") {
  TempDir dir;
  OpenStore open(dir.path);
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    NewKeySpec spec = Spec();
    if (i == 2) spec.region = "eu-west-1";
    auto key = open.keys->Create(spec, 0);
    REQUIRE(key.ok());
    if (i != 2) ids.push_back((*key)->id);
  }
  auto first = open.keys->List("111122223333", "us-east-1", 0, 3);
  REQUIRE(first.size() == 3);
  auto rest = open.keys->List("111122223333", "us-east-1", first.back()->seq, 3);
  REQUIRE(rest.size() == 1);
  CHECK(first[0]->id == ids[0]);
  CHECK(first[2]->id == ids[2]);
  CHECK(rest[0]->id == ids[3]);
}
