// The Hsm against a real SoftHSM, each test case on its own token under a temporary directory.
// SoftHSM is initialised once per process, so only one Hsm is open at any time.
#include <catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "hsm/hsm.h"
#include "hsm/hsm_testing.h"

namespace fs = std::filesystem;
using trent::Bytes;
using trent::ErrorCode;
using trent::hsm::Hsm;
using trent::hsm::HsmConfig;
using trent::hsm::GeneratedKey;
using trent::hsm::KeyHandle;
using trent::hsm::KeyKind;
using trent::hsm::StoredKey;

namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/trent-hsm-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

HsmConfig AutoInitConfig(const TempDir& dir, const std::string& label = "trent-test") {
  HsmConfig c;
  c.module_path = TRENT_DEFAULT_PKCS11_MODULE;
  c.token_label = label;
  c.pin = "user-pin-1234";
  c.auto_init = true;
  c.softhsm_token_dir = (dir.path() / "tokens").string();
  c.softhsm_conf_path = (dir.path() / "softhsm2.conf").string();
  c.so_pin = "so-pin-5678";
  return c;
}

std::unique_ptr<Hsm> MustOpen(const HsmConfig& config) {
  auto hsm = Hsm::Open(config);
  INFO(hsm.status().message());
  REQUIRE(hsm.ok());
  return std::move(hsm).value();
}

const Bytes kNoPublicKey;

// An AES-256 key's wrapped bytes.
Bytes MustWrapAes(Hsm& hsm) {
  auto generated = hsm.GenerateKey(KeyKind::kAes256);
  INFO(generated.status().message());
  REQUIRE(generated.ok());
  CHECK(generated->public_key.empty());
  return generated->wrapped;
}

trent::Result<KeyHandle> UnwrapAes(Hsm& hsm, const Bytes& wrapped) {
  return hsm.UnwrapKey(StoredKey{KeyKind::kAes256, wrapped, kNoPublicKey});
}

GeneratedKey MustGenerate(Hsm& hsm, KeyKind kind) {
  auto generated = hsm.GenerateKey(kind);
  INFO(generated.status().message());
  REQUIRE(generated.ok());
  return std::move(generated).value();
}

KeyHandle MustUnwrap(Hsm& hsm, KeyKind kind, const GeneratedKey& generated) {
  auto key = hsm.UnwrapKey(StoredKey{kind, generated.wrapped, generated.public_key});
  INFO(key.status().message());
  REQUIRE(key.ok());
  return *key;
}

KeyHandle MustNewKey(Hsm& hsm, KeyKind kind = KeyKind::kAes256) {
  return MustUnwrap(hsm, kind, MustGenerate(hsm, kind));
}

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }

const uint8_t kIv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

}  // namespace

TEST_CASE("AES-GCM round trips and detects every alteration") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  INFO(hsm->Describe());
  CHECK(hsm->Describe().find("SoftHSM") != std::string::npos);
  CHECK(hsm->Describe().find("'trent-test'") != std::string::npos);
  const KeyHandle key = MustNewKey(*hsm);
  const std::string plaintext = "thirty-two bytes of plaintext!!!";
  const std::string aad = "header|context";

  auto ct = hsm->EncryptGcm(key, kIv, aad, plaintext);
  REQUIRE(ct.ok());
  REQUIRE(ct->size() == plaintext.size() + 16);
  CHECK(Str(*ct).find(plaintext) == std::string::npos);
  const std::string sealed = Str(*ct);

  auto pt = hsm->DecryptGcm(key, kIv, aad, sealed);
  INFO(pt.status().message());
  REQUIRE(pt.ok());
  CHECK(pt->view() == plaintext);

  SECTION("empty AAD and empty plaintext work") {
    auto empty = hsm->EncryptGcm(key, kIv, "", "");
    REQUIRE(empty.ok());
    CHECK(empty->size() == 16);
    auto back = hsm->DecryptGcm(key, kIv, "", Str(*empty));
    REQUIRE(back.ok());
    CHECK(back->size() == 0);
  }

  auto expect_invalid = [&](KeyHandle k, const uint8_t* iv, std::string_view a,
                            std::string_view c) {
    auto r = hsm->DecryptGcm(k, iv, a, c);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().message());
    CHECK(r.status().code() == ErrorCode::kInvalidCiphertext);
  };
  SECTION("altered ciphertext") {
    std::string c = sealed;
    c[3] ^= 0x01;
    expect_invalid(key, kIv, aad, c);
  }
  SECTION("altered tag") {
    std::string c = sealed;
    c.back() ^= 0x80;
    expect_invalid(key, kIv, aad, c);
  }
  SECTION("truncated or too short") {
    expect_invalid(key, kIv, aad, sealed.substr(0, sealed.size() - 1));
    expect_invalid(key, kIv, aad, sealed.substr(0, 15));
    expect_invalid(key, kIv, aad, "");
  }
  SECTION("wrong AAD") { expect_invalid(key, kIv, "header|context!", sealed); }
  SECTION("wrong IV") {
    uint8_t iv[12];
    std::copy(std::begin(kIv), std::end(kIv), iv);
    iv[11] ^= 0x01;
    expect_invalid(key, iv, aad, sealed);
  }
  SECTION("wrong key") { expect_invalid(MustNewKey(*hsm), kIv, aad, sealed); }
}

TEST_CASE("generated keys come out wrapped and unwrap into protected session keys") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const Bytes a = MustWrapAes(*hsm);
  const Bytes b = MustWrapAes(*hsm);
  CHECK(a.size() == 40);  // AES-KWP of 32 bytes
  CHECK(a != b);

  auto key = UnwrapAes(*hsm, a);
  REQUIRE(key.ok());
  auto ct = hsm->EncryptGcm(*key, kIv, "aad", "data");
  REQUIRE(ct.ok());
  // The same wrapped bytes unwrap to the same key.
  auto again = UnwrapAes(*hsm, a);
  REQUIRE(again.ok());
  CHECK(*again != *key);
  auto pt = hsm->DecryptGcm(*again, kIv, "aad", Str(*ct));
  REQUIRE(pt.ok());
  CHECK(pt->view() == "data");

  auto protection = trent::hsm::InspectKeyForTesting(*hsm, *key);
  INFO(protection.status().message());
  REQUIRE(protection.ok());
  CHECK(protection->sensitive);
  CHECK_FALSE(protection->extractable);
  CHECK_FALSE(protection->token_object);
  CHECK(protection->wrap_refused);

  REQUIRE(hsm->DestroyKey(*key).ok());
  CHECK_FALSE(hsm->EncryptGcm(*key, kIv, "aad", "data").ok());
  CHECK_FALSE(hsm->DestroyKey(*key).ok());
  CHECK(hsm->DecryptGcm(*again, kIv, "aad", Str(*ct)).ok());
}

TEST_CASE("reopening the same token dir reuses the token and the domain key") {
  TempDir dir;
  const HsmConfig config = AutoInitConfig(dir);
  Bytes wrapped;
  std::string sealed;
  {
    auto hsm = MustOpen(config);
    wrapped = MustWrapAes(*hsm);
    auto key = UnwrapAes(*hsm, wrapped);
    REQUIRE(key.ok());
    auto ct = hsm->EncryptGcm(*key, kIv, "ctx", "kept across restarts");
    REQUIRE(ct.ok());
    sealed = Str(*ct);
  }
  auto hsm = MustOpen(config);
  auto key = UnwrapAes(*hsm, wrapped);
  INFO(key.status().message());
  REQUIRE(key.ok());
  auto pt = hsm->DecryptGcm(*key, kIv, "ctx", sealed);
  REQUIRE(pt.ok());
  CHECK(pt->view() == "kept across restarts");
  // Still a single token in the directory.
  CHECK(std::distance(fs::directory_iterator(config.softhsm_token_dir), fs::directory_iterator()) ==
        1);
}

TEST_CASE("wrapped bytes from another token or garbage do not unwrap") {
  Bytes foreign;
  {
    TempDir other;
    auto hsm = MustOpen(AutoInitConfig(other, "other-token"));
    foreign = MustWrapAes(*hsm);
  }
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  auto from_other = UnwrapAes(*hsm, foreign);
  REQUIRE_FALSE(from_other.ok());
  CHECK(from_other.status().code() == ErrorCode::kInternal);

  Bytes garbage(40, 0x5a);
  CHECK_FALSE(UnwrapAes(*hsm, garbage).ok());
  CHECK_FALSE(UnwrapAes(*hsm, Bytes{1, 2, 3}).ok());
  CHECK_FALSE(UnwrapAes(*hsm, Bytes{}).ok());
  // The module is still fine afterwards.
  MustNewKey(*hsm);
}

TEST_CASE("GenerateRandom returns fresh bytes of the asked length") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  auto one = hsm->GenerateRandom(1);
  REQUIRE(one.ok());
  CHECK(one->size() == 1);
  auto a = hsm->GenerateRandom(1024);
  auto b = hsm->GenerateRandom(1024);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->size() == 1024);
  CHECK(a->view() != b->view());
}

TEST_CASE("Open fails with a clear message") {
  TempDir dir;
  HsmConfig config = AutoInitConfig(dir);
  MustOpen(config);  // initialises the token, then closes it

  SECTION("wrong PIN") {
    config.pin = "not-the-pin";
    auto hsm = Hsm::Open(config);
    REQUIRE_FALSE(hsm.ok());
    const std::string& m = hsm.status().message();
    INFO(m);
    CHECK(m.find("PIN") != std::string::npos);
    CHECK(m.find("'trent-test'") != std::string::npos);
    CHECK(m.find(TRENT_DEFAULT_PKCS11_MODULE) != std::string::npos);
  }
  SECTION("missing label without auto_init") {
    setenv("SOFTHSM2_CONF", config.softhsm_conf_path.c_str(), 1);
    config.auto_init = false;
    config.token_label = "no-such-token";
    auto hsm = Hsm::Open(config);
    REQUIRE_FALSE(hsm.ok());
    const std::string& m = hsm.status().message();
    INFO(m);
    CHECK(m.find("'no-such-token'") != std::string::npos);
    CHECK(m.find("no initialised token") != std::string::npos);
  }
  SECTION("existing label without auto_init opens") {
    setenv("SOFTHSM2_CONF", config.softhsm_conf_path.c_str(), 1);
    config.auto_init = false;
    MustOpen(config);
  }
  SECTION("module that cannot be loaded") {
    config.module_path = (dir.path() / "missing.so").string();
    auto hsm = Hsm::Open(config);
    REQUIRE_FALSE(hsm.ok());
    INFO(hsm.status().message());
    CHECK(hsm.status().message().find("missing.so") != std::string::npos);
  }
}

TEST_CASE("two threads encrypt and decrypt concurrently") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const KeyHandle shared = MustNewKey(*hsm);
  const KeyHandle own_keys[2] = {MustNewKey(*hsm), MustNewKey(*hsm)};
  std::atomic<int> good{0}, bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const KeyHandle key = i % 2 ? shared : own_keys[t];
        const std::string plaintext =
            "thread " + std::to_string(t) + " message " + std::to_string(i);
        const std::string aad = std::to_string(i);
        auto ct = hsm->EncryptGcm(key, kIv, aad, plaintext);
        if (!ct.ok()) {
          ++bad;
          continue;
        }
        auto pt = hsm->DecryptGcm(key, kIv, aad, Str(*ct));
        (pt.ok() && pt->view() == plaintext ? good : bad)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad == 0);
  CHECK(good == 4000);
}

TEST_CASE("with a domain key check, Open creates nothing and needs the same domain key") {
  TempDir dir;
  HsmConfig config = AutoInitConfig(dir);
  Bytes check, wrapped_key;
  {
    auto hsm = MustOpen(config);  // a first start: token and domain key are created
    check = MustWrapAes(*hsm);
    wrapped_key = MustWrapAes(*hsm);
  }
  auto open_fails = [](const HsmConfig& c, const std::string& reason) {
    auto hsm = Hsm::Open(c);
    REQUIRE_FALSE(hsm.ok());
    INFO(hsm.status().message());
    CHECK(hsm.status().message().find(reason) != std::string::npos);
    CHECK(hsm.status().message().find("'" + c.token_label + "'") != std::string::npos);
  };

  SECTION("the token that made the check opens, with its keys") {
    config.domain_key_check = check;
    auto hsm = MustOpen(config);
    CHECK(UnwrapAes(*hsm, wrapped_key).ok());
  }
  SECTION("any key wrapped under the domain key serves as the check") {
    config.domain_key_check = wrapped_key;
    MustOpen(config);
  }
  SECTION("a token with another domain key is refused") {
    TempDir other_dir;
    HsmConfig other = AutoInitConfig(other_dir);
    MustOpen(other);  // same label and PINs, its own domain key
    other.domain_key_check = check;
    open_fails(other, "is not the one the database's keys are wrapped under");
  }
  SECTION("a missing token directory is neither created nor initialised") {
    TempDir other_dir;
    HsmConfig other = AutoInitConfig(other_dir);
    other.domain_key_check = check;
    open_fails(other, "token directory");
    CHECK_FALSE(fs::exists(other.softhsm_token_dir));
  }
  SECTION("an empty token directory gets no new token") {
    TempDir other_dir;
    HsmConfig other = AutoInitConfig(other_dir);
    fs::create_directories(other.softhsm_token_dir);
    other.domain_key_check = check;
    open_fails(other, "no initialised token with this label");
    CHECK(fs::is_empty(other.softhsm_token_dir));
  }
  SECTION("another label on the same token directory is refused") {
    config.token_label = "another-label";
    config.domain_key_check = check;
    open_fails(config, "no initialised token with this label");
  }
  SECTION("a damaged check is refused") {
    check[5] ^= 1;
    config.domain_key_check = check;
    open_fails(config, "is not the one");
  }
}
