// The Hsm against a real SoftHSM, each test case on its own token under a temporary directory.
// SoftHSM is initialised once per process, so only one Hsm is open at any time.
#include <catch.hpp>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/openssl_ptr.h"
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
using trent::hsm::MacHash;
using trent::hsm::OaepHash;
using trent::hsm::SignScheme;
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

// A new AES-256 key's stored bytes (its derivation input, with SoftHSM).
Bytes MustGenerateAes(Hsm& hsm) {
  auto generated = hsm.GenerateKey(KeyKind::kAes256);
  INFO(generated.status().message());
  REQUIRE(generated.ok());
  CHECK(generated->public_key.empty());
  return generated->wrapped;
}

// A throwaway AES-256 key wrapped under the domain key.
Bytes MustWrapAes(Hsm& hsm) {
  auto check = hsm.NewDomainKeyCheck();
  INFO(check.status().message());
  REQUIRE(check.ok());
  CHECK(check->size() == 40);  // AES-KWP of 32 bytes
  return *check;
}

const std::string kDerivedPrefix = "pkcs11-derived-aes-256:";

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

TEST_CASE("generated AES keys are derived, wrapped ones still unwrap, both into protected "
          "session keys") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const Bytes derived = MustGenerateAes(*hsm);
  CHECK(derived.size() == kDerivedPrefix.size() + 64);  // 32 random bytes in hex
  CHECK(Str(derived).rfind(kDerivedPrefix, 0) == 0);
  const Bytes other = MustGenerateAes(*hsm);
  CHECK(derived != other);
  {
    // Two inputs, two keys: what one encrypts, the other does not decrypt.
    auto a = UnwrapAes(*hsm, derived);
    auto b = UnwrapAes(*hsm, other);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    auto sealed = hsm->EncryptGcm(*a, kIv, "aad", "data");
    REQUIRE(sealed.ok());
    auto crossed = hsm->DecryptGcm(*b, kIv, "aad", Str(*sealed));
    REQUIRE_FALSE(crossed.ok());
    CHECK(crossed.status().code() == ErrorCode::kInvalidCiphertext);
    REQUIRE(hsm->DestroyKey(*a).ok());
    REQUIRE(hsm->DestroyKey(*b).ok());
  }
  // A derivation input is refused for any other kind.
  CHECK_FALSE(hsm->UnwrapKey(StoredKey{KeyKind::kHmac256, derived, kNoPublicKey}).ok());
  // Bad hex after the prefix is not a derivation input (nor wrapped bytes).
  Bytes bad_hex = derived;
  bad_hex.back() = 'g';
  CHECK_FALSE(UnwrapAes(*hsm, bad_hex).ok());

  for (const Bytes& a : std::vector<Bytes>{derived, MustWrapAes(*hsm)}) {
    const bool is_derived = Str(a).rfind(kDerivedPrefix, 0) == 0;
    INFO((is_derived ? "derived" : "wrapped"));

    auto key = UnwrapAes(*hsm, a);
    REQUIRE(key.ok());
    auto ct = hsm->EncryptGcm(*key, kIv, "aad", "data");
    REQUIRE(ct.ok());
    // The same stored bytes load the same key.
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
}

TEST_CASE("reopening the same token dir reuses the token and the domain key") {
  TempDir dir;
  const HsmConfig config = AutoInitConfig(dir);
  Bytes wrapped;
  std::string sealed;
  {
    auto hsm = MustOpen(config);
    // A derived key (its version key is derived again at the next start) or a wrapped one.
    wrapped = GENERATE(0, 1) == 0 ? MustGenerateAes(*hsm) : MustWrapAes(*hsm);
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
  Bytes foreign, foreign_derived;
  std::string sealed_there;
  {
    TempDir other;
    auto hsm = MustOpen(AutoInitConfig(other, "other-token"));
    foreign = MustWrapAes(*hsm);
    foreign_derived = MustGenerateAes(*hsm);
    auto key = UnwrapAes(*hsm, foreign_derived);
    REQUIRE(key.ok());
    auto ct = hsm->EncryptGcm(*key, kIv, "aad", "sealed on the other token");
    REQUIRE(ct.ok());
    sealed_there = Str(*ct);
  }
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  auto from_other = UnwrapAes(*hsm, foreign);
  REQUIRE_FALSE(from_other.ok());
  CHECK(from_other.status().code() == ErrorCode::kInternal);
  // Another token's derivation input loads (derivation cannot tell), but as another key: it
  // decrypts nothing made there. Open's domain key check is what refuses another token.
  auto derived_here = UnwrapAes(*hsm, foreign_derived);
  REQUIRE(derived_here.ok());
  auto opened = hsm->DecryptGcm(*derived_here, kIv, "aad", sealed_there);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == ErrorCode::kInvalidCiphertext);

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
  SECTION("a derived key's input is no check: a derivation succeeds under any domain key") {
    auto hsm = MustOpen(config);
    config.domain_key_check = MustGenerateAes(*hsm);
    hsm.reset();
    open_fails(config, "is not the one");
  }
  SECTION("a damaged check is refused") {
    check[5] ^= 1;
    config.domain_key_check = check;
    open_fails(config, "is not the one");
  }
}

// ---- Key pairs, HMAC and ECDH keys ----------------------------------------------------------

namespace {

using Pkey = trent::openssl::PkeyPtr;
using Ctx = trent::openssl::PkeyCtxPtr;

Pkey ParseSpki(const Bytes& spki) {
  const unsigned char* p = spki.data();
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  REQUIRE(key);
  CHECK(p == spki.data() + spki.size());
  return key;
}

Bytes Digest(const EVP_MD* md, std::string_view message) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  REQUIRE(EVP_Digest(message.data(), message.size(), out.data(), &n, md, nullptr) == 1);
  out.resize(n);
  return out;
}

// DER DigestInfo for SHA-256 (RFC 8017 9.2 note 1).
Bytes Sha256DigestInfo(std::string_view message) {
  Bytes info = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  const Bytes digest = Digest(EVP_sha256(), message);
  info.insert(info.end(), digest.begin(), digest.end());
  return info;
}

// An r || s signature as the DER ECDSA-Sig-Value OpenSSL verifies.
Bytes EcdsaDer(const Bytes& raw) {
  const int half = static_cast<int>(raw.size() / 2);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), half, nullptr),
                 BN_bin2bn(raw.data() + half, half, nullptr));
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  REQUIRE(n > 0);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// Verifies with OpenSSL and the SubjectPublicKeyInfo what the module signed.
bool OpensslVerifies(const Bytes& spki, SignScheme scheme, const Bytes& input,
                     const Bytes& signature) {
  Pkey key = ParseSpki(spki);
  if (scheme == SignScheme::kEd25519) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(md, nullptr, nullptr, nullptr, key.get()) == 1 &&
              EVP_DigestVerify(md, signature.data(), signature.size(), input.data(),
                               input.size()) == 1;
    EVP_MD_CTX_free(md);
    return ok;
  }
  Ctx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
  REQUIRE(EVP_PKEY_verify_init(ctx.get()) == 1);
  Bytes sig = signature;
  switch (scheme) {
    case SignScheme::kRsaPkcs1:
      REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
      break;
    case SignScheme::kRsaPssSha256:
    case SignScheme::kRsaPssSha384:
    case SignScheme::kRsaPssSha512: {
      const EVP_MD* md = scheme == SignScheme::kRsaPssSha256   ? EVP_sha256()
                         : scheme == SignScheme::kRsaPssSha384 ? EVP_sha384()
                                                               : EVP_sha512();
      REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1);
      REQUIRE(EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1);
      REQUIRE(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1);
      REQUIRE(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) == 1);
      break;
    }
    case SignScheme::kEcdsa:
      sig = EcdsaDer(signature);
      break;
    case SignScheme::kEd25519:
      break;
  }
  return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), input.data(), input.size()) == 1;
}

const KeyKind kAllKinds[] = {
    KeyKind::kAes256,  KeyKind::kRsa2048,     KeyKind::kRsa3072, KeyKind::kRsa4096,
    KeyKind::kEcP256,  KeyKind::kEcP384,      KeyKind::kEcP521,  KeyKind::kEcSecp256k1,
    KeyKind::kEd25519, KeyKind::kHmac224,     KeyKind::kHmac256, KeyKind::kHmac384,
    KeyKind::kHmac512,
};

}  // namespace

TEST_CASE("SoftHSM 2.6.1 offers every kind, every scheme and both OAEP hashes") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  for (KeyKind kind : kAllKinds) {
    const trent::hsm::Capability c = hsm->Supports(kind);
    INFO("kind " << int(kind) << ": " << c.missing);
    CHECK(c.offered);
    CHECK(c.missing.empty());
  }
  for (SignScheme scheme :
       {SignScheme::kRsaPkcs1, SignScheme::kRsaPssSha256, SignScheme::kRsaPssSha384,
        SignScheme::kRsaPssSha512, SignScheme::kEcdsa, SignScheme::kEd25519}) {
    CHECK(hsm->Supports(scheme).offered);
  }
  CHECK(hsm->Supports(OaepHash::kSha1).offered);
  CHECK(hsm->Supports(OaepHash::kSha256).offered);
}

TEST_CASE("Ed25519 private keys, which SoftHSM 2.6.1 cannot wrap, are protected token objects") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const GeneratedKey generated = MustGenerate(*hsm, KeyKind::kEd25519);
  // What is stored is a reference to the token object, not key material.
  const std::string stored(trent::AsStringView(generated.wrapped));
  CHECK(stored.rfind("pkcs11-token-object:", 0) == 0);
  const KeyHandle key = MustUnwrap(*hsm, KeyKind::kEd25519, generated);
  auto protection = trent::hsm::InspectKeyForTesting(*hsm, key);
  REQUIRE(protection.ok());
  CHECK(protection->sensitive);
  CHECK_FALSE(protection->extractable);
  CHECK(protection->token_object);
  CHECK(protection->wrap_refused);
  auto signature = hsm->Sign(key, SignScheme::kEd25519, "message");
  REQUIRE(signature.ok());
  CHECK(OpensslVerifies(generated.public_key, SignScheme::kEd25519, trent::ToBytes("message"),
                        *signature));

  // Destroying the handle keeps the key (it is its only copy): it loads and signs again.
  REQUIRE(hsm->DestroyKey(key).ok());
  const KeyHandle again = MustUnwrap(*hsm, KeyKind::kEd25519, generated);
  CHECK(hsm->Sign(again, SignScheme::kEd25519, "message").ok());
  // A key being deleted must be unloaded first; then it is gone from the token.
  const trent::hsm::StoredKey stored_key{KeyKind::kEd25519, generated.wrapped,
                                         generated.public_key};
  CHECK_FALSE(hsm->DeleteKeyMaterial(stored_key).ok());
  REQUIRE(hsm->DestroyKey(again).ok());
  REQUIRE(hsm->DeleteKeyMaterial(stored_key).ok());
  CHECK_FALSE(hsm->UnwrapKey(stored_key).ok());
  CHECK(hsm->DeleteKeyMaterial(stored_key).ok());  // deleting twice is harmless

  // Survives a restart of the module (a token object, unlike session objects).
  const GeneratedKey kept = MustGenerate(*hsm, KeyKind::kEd25519);
  hsm.reset();
  hsm = MustOpen(AutoInitConfig(dir));
  const KeyHandle reloaded = MustUnwrap(*hsm, KeyKind::kEd25519, kept);
  CHECK(hsm->Sign(reloaded, SignScheme::kEd25519, "message").ok());
}

TEST_CASE("every kind generates wrapped, unwraps into protected objects and is destroyed whole") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  for (KeyKind kind : kAllKinds) {
    if (!hsm->Supports(kind).offered) continue;
    INFO("kind " << int(kind));
    CHECK(trent::hsm::IsKeyPair(kind) ==
          (kind != KeyKind::kAes256 && kind < KeyKind::kHmac224));
    const GeneratedKey generated = MustGenerate(*hsm, kind);
    CHECK_FALSE(generated.wrapped.empty());
    CHECK(generated.public_key.empty() == !trent::hsm::IsKeyPair(kind));
    if (!generated.public_key.empty()) ParseSpki(generated.public_key);
    // A second key differs.
    CHECK(MustGenerate(*hsm, kind).wrapped != generated.wrapped);

    auto before = trent::hsm::CountSessionObjectsForTesting(*hsm);
    REQUIRE(before.ok());
    const KeyHandle key = MustUnwrap(*hsm, kind, generated);
    auto protection = trent::hsm::InspectKeyForTesting(*hsm, key);
    INFO(protection.status().message());
    REQUIRE(protection.ok());
    CHECK(protection->sensitive);
    CHECK_FALSE(protection->extractable);
    // Ed25519 private keys are token objects in SoftHSM 2.6.1 (which cannot wrap them).
    const bool in_token = kind == KeyKind::kEd25519;
    CHECK(protection->token_object == in_token);
    CHECK(protection->wrap_refused);
    CHECK_FALSE(protection->wrap);
    CHECK_FALSE(protection->unwrap);
    const bool rsa = kind >= KeyKind::kRsa2048 && kind <= KeyKind::kRsa4096;
    const bool ec = kind >= KeyKind::kEcP256 && kind <= KeyKind::kEcSecp256k1;
    const bool aes = kind == KeyKind::kAes256;
    CHECK(protection->encrypt == aes);
    CHECK(protection->decrypt == (aes || rsa));
    CHECK(protection->sign == !aes);
    CHECK(protection->verify == (kind >= KeyKind::kHmac224));
    // ECDH only on the NIST curves, as in AWS KMS.
    CHECK(protection->derive == (ec && kind != KeyKind::kEcSecp256k1));

    auto after = trent::hsm::CountSessionObjectsForTesting(*hsm);
    REQUIRE(after.ok());
    CHECK(after->keys == before->keys + (in_token ? 0 : 1));
    auto pub = trent::hsm::InspectPublicKeyForTesting(*hsm, key);
    if (trent::hsm::IsKeyPair(kind)) {
      CHECK(after->public_keys == before->public_keys + 1);
      REQUIRE(pub.ok());
      CHECK(pub->verify);
      CHECK(pub->encrypt == rsa);
      CHECK_FALSE(pub->token_object);
    } else {
      CHECK(after->public_keys == before->public_keys);
      CHECK_FALSE(pub.ok());
    }
    REQUIRE(hsm->DestroyKey(key).ok());
    auto gone = trent::hsm::CountSessionObjectsForTesting(*hsm);
    REQUIRE(gone.ok());
    CHECK(gone->keys == before->keys);
    CHECK(gone->public_keys == before->public_keys);
    CHECK_FALSE(hsm->DestroyKey(key).ok());
  }
}

TEST_CASE("a key pair does not unwrap with another kind's or another key's public key") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const GeneratedKey p256 = MustGenerate(*hsm, KeyKind::kEcP256);
  const GeneratedKey p384 = MustGenerate(*hsm, KeyKind::kEcP384);
  CHECK_FALSE(hsm->UnwrapKey(StoredKey{KeyKind::kEcP256, p256.wrapped, p384.public_key}).ok());
  CHECK_FALSE(hsm->UnwrapKey(StoredKey{KeyKind::kEcP256, p256.wrapped, kNoPublicKey}).ok());
  CHECK_FALSE(hsm->UnwrapKey(StoredKey{KeyKind::kRsa2048, p256.wrapped, p256.public_key}).ok());
  // Nothing is left behind by the failures.
  auto count = trent::hsm::CountSessionObjectsForTesting(*hsm);
  REQUIRE(count.ok());
  CHECK(count->keys == 0);
  CHECK(count->public_keys == 0);
}

TEST_CASE("signatures of every scheme verify, in the module and with OpenSSL") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const std::string message = "the message to sign";
  struct Case {
    KeyKind kind;
    SignScheme scheme;
    Bytes input;
    size_t signature_size;
  };
  const Case cases[] = {
      {KeyKind::kRsa2048, SignScheme::kRsaPkcs1, Sha256DigestInfo(message), 256},
      {KeyKind::kRsa2048, SignScheme::kRsaPssSha256, Digest(EVP_sha256(), message), 256},
      {KeyKind::kRsa3072, SignScheme::kRsaPssSha384, Digest(EVP_sha384(), message), 384},
      {KeyKind::kRsa3072, SignScheme::kRsaPkcs1, Sha256DigestInfo(message), 384},
      {KeyKind::kRsa4096, SignScheme::kRsaPssSha512, Digest(EVP_sha512(), message), 512},
      {KeyKind::kRsa4096, SignScheme::kRsaPkcs1, Sha256DigestInfo(message), 512},
      {KeyKind::kEcP256, SignScheme::kEcdsa, Digest(EVP_sha256(), message), 64},
      {KeyKind::kEcP384, SignScheme::kEcdsa, Digest(EVP_sha384(), message), 96},
      {KeyKind::kEcP521, SignScheme::kEcdsa, Digest(EVP_sha512(), message), 132},
      {KeyKind::kEcSecp256k1, SignScheme::kEcdsa, Digest(EVP_sha256(), message), 64},
      {KeyKind::kEd25519, SignScheme::kEd25519, trent::ToBytes(message), 64},
  };
  for (const Case& c : cases) {
    INFO("kind " << int(c.kind) << ", scheme " << int(c.scheme));
    if (!hsm->Supports(c.kind).offered) continue;  // Ed25519 on SoftHSM 2.6.1
    const GeneratedKey generated = MustGenerate(*hsm, c.kind);
    const KeyHandle key = MustUnwrap(*hsm, c.kind, generated);
    const std::string_view input = trent::AsStringView(c.input);
    auto signature = hsm->Sign(key, c.scheme, input);
    INFO(signature.status().message());
    REQUIRE(signature.ok());
    CHECK(signature->size() == c.signature_size);
    const std::string_view sig = trent::AsStringView(*signature);

    auto verified = hsm->Verify(key, c.scheme, input, sig);
    INFO(verified.status().message());
    REQUIRE(verified.ok());
    CHECK(*verified);
    CHECK(OpensslVerifies(generated.public_key, c.scheme, c.input, *signature));

    std::string tampered(sig);
    tampered[tampered.size() / 2] ^= 0x01;
    auto bad = hsm->Verify(key, c.scheme, input, tampered);
    INFO(bad.status().message());
    REQUIRE(bad.ok());
    CHECK_FALSE(*bad);
    auto shorter = hsm->Verify(key, c.scheme, input, sig.substr(1));
    REQUIRE(shorter.ok());
    CHECK_FALSE(*shorter);
    std::string other_input(input);
    other_input[0] ^= 0x01;
    auto other = hsm->Verify(key, c.scheme, other_input, sig);
    REQUIRE(other.ok());
    CHECK_FALSE(*other);

    // Another key of the same kind does not verify it.
    const KeyHandle stranger = MustNewKey(*hsm, c.kind);
    auto foreign = hsm->Verify(stranger, c.scheme, input, sig);
    REQUIRE(foreign.ok());
    CHECK_FALSE(*foreign);
  }
}

TEST_CASE("signing refuses wrong digests and keys of the wrong kind") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const KeyHandle rsa = MustNewKey(*hsm, KeyKind::kRsa2048);
  auto short_digest = hsm->Sign(rsa, SignScheme::kRsaPssSha384, std::string(32, 'x'));
  REQUIRE_FALSE(short_digest.ok());
  CHECK(short_digest.status().code() == ErrorCode::kValidation);
  // The module is still usable (no operation left active).
  CHECK(hsm->Sign(rsa, SignScheme::kRsaPssSha256, std::string(32, 'x')).ok());

  const KeyHandle aes = MustNewKey(*hsm);
  const KeyHandle ec = MustNewKey(*hsm, KeyKind::kEcP256);
  CHECK_FALSE(hsm->Sign(aes, SignScheme::kEcdsa, std::string(32, 'x')).ok());
  CHECK_FALSE(hsm->Sign(ec, SignScheme::kRsaPkcs1, std::string(32, 'x')).ok());
  CHECK_FALSE(hsm->Mac(ec, MacHash::kSha256, "m").ok());
  CHECK_FALSE(hsm->EncryptOaep(ec, OaepHash::kSha1, "m").ok());
  CHECK_FALSE(hsm->DeriveEcdh(rsa, std::string(65, '\x04')).ok());
  const KeyHandle k1 = MustNewKey(*hsm, KeyKind::kEcSecp256k1);
  CHECK_FALSE(hsm->DeriveEcdh(k1, std::string(65, '\x04')).ok());
  CHECK(hsm->Sign(ec, SignScheme::kEcdsa, std::string(32, 'x')).ok());
}

TEST_CASE("RSAES-OAEP round trips with SHA-1 and SHA-256 and interoperates with OpenSSL") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  for (KeyKind kind : {KeyKind::kRsa2048, KeyKind::kRsa3072}) {
    const GeneratedKey generated = MustGenerate(*hsm, kind);
    const KeyHandle key = MustUnwrap(*hsm, kind, generated);
    const size_t k = kind == KeyKind::kRsa2048 ? 256 : 384;
    for (OaepHash hash : {OaepHash::kSha1, OaepHash::kSha256}) {
      INFO("kind " << int(kind) << ", hash " << int(hash));
      const size_t h = hash == OaepHash::kSha1 ? 20 : 32;
      const std::string plaintext = "a data key of thirty-two bytes!!";
      auto ct = hsm->EncryptOaep(key, hash, plaintext);
      INFO(ct.status().message());
      REQUIRE(ct.ok());
      CHECK(ct->size() == k);
      auto pt = hsm->DecryptOaep(key, hash, trent::AsStringView(*ct));
      INFO(pt.status().message());
      REQUIRE(pt.ok());
      CHECK(pt->view() == plaintext);
      // OAEP is randomised.
      auto again = hsm->EncryptOaep(key, hash, plaintext);
      REQUIRE(again.ok());
      CHECK(*again != *ct);

      // The longest plaintext the key takes, the empty one, and one byte more than it takes.
      const std::string longest(k - 2 * h - 2, 'L');
      for (const std::string& p : {longest, std::string()}) {
        auto c = hsm->EncryptOaep(key, hash, p);
        REQUIRE(c.ok());
        auto back = hsm->DecryptOaep(key, hash, trent::AsStringView(*c));
        REQUIRE(back.ok());
        CHECK(back->view() == p);
      }
      auto too_long = hsm->EncryptOaep(key, hash, longest + "L");
      REQUIRE_FALSE(too_long.ok());
      CHECK(too_long.status().code() == ErrorCode::kValidation);

      // Encrypted by OpenSSL with the public key, decrypted in the module.
      Pkey pub = ParseSpki(generated.public_key);
      Ctx ctx(EVP_PKEY_CTX_new(pub.get(), nullptr));
      const EVP_MD* md = hash == OaepHash::kSha1 ? EVP_sha1() : EVP_sha256();
      REQUIRE(EVP_PKEY_encrypt_init(ctx.get()) == 1);
      REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1);
      REQUIRE(EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) == 1);
      REQUIRE(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1);
      Bytes foreign(k);
      size_t foreign_len = foreign.size();
      REQUIRE(EVP_PKEY_encrypt(ctx.get(), foreign.data(), &foreign_len,
                               reinterpret_cast<const unsigned char*>(plaintext.data()),
                               plaintext.size()) == 1);
      foreign.resize(foreign_len);
      auto from_openssl = hsm->DecryptOaep(key, hash, trent::AsStringView(foreign));
      INFO(from_openssl.status().message());
      REQUIRE(from_openssl.ok());
      CHECK(from_openssl->view() == plaintext);

      auto expect_invalid = [&](std::string_view c, OaepHash with) {
        auto r = hsm->DecryptOaep(key, with, c);
        REQUIRE_FALSE(r.ok());
        INFO(r.status().message());
        CHECK(r.status().code() == ErrorCode::kInvalidCiphertext);
      };
      std::string tampered(trent::AsStringView(*ct));
      tampered[k / 2] ^= 0x01;
      expect_invalid(tampered, hash);
      expect_invalid(trent::AsStringView(*ct).substr(1), hash);
      expect_invalid("", hash);
      expect_invalid(std::string(k, '\xff'), hash);  // not below the modulus
      expect_invalid(trent::AsStringView(*ct),
                     hash == OaepHash::kSha1 ? OaepHash::kSha256 : OaepHash::kSha1);
      // Still fine afterwards.
      CHECK(hsm->DecryptOaep(key, hash, trent::AsStringView(*ct)).ok());
    }
  }
}

TEST_CASE("HMAC keys MAC and verify with their hash") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const std::pair<KeyKind, MacHash> cases[] = {
      {KeyKind::kHmac224, MacHash::kSha224},
      {KeyKind::kHmac256, MacHash::kSha256},
      {KeyKind::kHmac384, MacHash::kSha384},
      {KeyKind::kHmac512, MacHash::kSha512},
  };
  const size_t sizes[] = {28, 32, 48, 64};
  for (size_t i = 0; i < std::size(cases); ++i) {
    const auto [kind, hash] = cases[i];
    INFO("kind " << int(kind));
    const KeyHandle key = MustNewKey(*hsm, kind);
    const std::string message = "message to authenticate";
    auto mac = hsm->Mac(key, hash, message);
    INFO(mac.status().message());
    REQUIRE(mac.ok());
    CHECK(mac->size() == sizes[i]);
    auto same = hsm->Mac(key, hash, message);
    REQUIRE(same.ok());
    CHECK(*same == *mac);
    const std::string_view m = trent::AsStringView(*mac);
    auto ok = hsm->VerifyMac(key, hash, message, m);
    REQUIRE(ok.ok());
    CHECK(*ok);
    std::string tampered(m);
    tampered[0] ^= 0x80;
    auto bad = hsm->VerifyMac(key, hash, message, tampered);
    REQUIRE(bad.ok());
    CHECK_FALSE(*bad);
    auto truncated = hsm->VerifyMac(key, hash, message, m.substr(0, 16));
    REQUIRE(truncated.ok());
    CHECK_FALSE(*truncated);
    auto other_message = hsm->VerifyMac(key, hash, message + ".", m);
    REQUIRE(other_message.ok());
    CHECK_FALSE(*other_message);
    auto empty = hsm->Mac(key, hash, "");
    REQUIRE(empty.ok());
    CHECK(*empty != *mac);
    // Another key gives another MAC.
    auto other_key = hsm->Mac(MustNewKey(*hsm, kind), hash, message);
    REQUIRE(other_key.ok());
    CHECK(*other_key != *mac);
  }
}

TEST_CASE("ECDH gives the shared secret OpenSSL computes") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const std::pair<KeyKind, const char*> cases[] = {
      {KeyKind::kEcP256, "P-256"},
      {KeyKind::kEcP384, "P-384"},
      {KeyKind::kEcP521, "P-521"},
  };
  for (const auto& [kind, group] : cases) {
    INFO(group);
    const GeneratedKey generated = MustGenerate(*hsm, kind);
    const KeyHandle key = MustUnwrap(*hsm, kind, generated);
    Pkey peer(EVP_EC_gen(group));
    REQUIRE(peer);
    REQUIRE(EVP_PKEY_set_utf8_string_param(peer.get(), "point-format", "uncompressed") == 1);
    size_t point_len = 0;
    REQUIRE(EVP_PKEY_get_octet_string_param(peer.get(), "encoded-pub-key", nullptr, 0,
                                            &point_len) == 1);
    std::string point(point_len, '\0');
    REQUIRE(EVP_PKEY_get_octet_string_param(peer.get(), "encoded-pub-key",
                                            reinterpret_cast<unsigned char*>(point.data()),
                                            point.size(), &point_len) == 1);
    REQUIRE(point[0] == 0x04);

    auto secret = hsm->DeriveEcdh(key, point);
    INFO(secret.status().message());
    REQUIRE(secret.ok());

    Pkey ours = ParseSpki(generated.public_key);
    Ctx ctx(EVP_PKEY_CTX_new(peer.get(), nullptr));
    REQUIRE(EVP_PKEY_derive_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_derive_set_peer(ctx.get(), ours.get()) == 1);
    size_t n = 0;
    REQUIRE(EVP_PKEY_derive(ctx.get(), nullptr, &n) == 1);
    Bytes expected(n);
    REQUIRE(EVP_PKEY_derive(ctx.get(), expected.data(), &n) == 1);
    expected.resize(n);
    CHECK(secret->view() == trent::AsStringView(expected));
    // No derived object stays behind.
    auto count = trent::hsm::CountSessionObjectsForTesting(*hsm);
    REQUIRE(count.ok());
    CHECK(count->keys == 1);

    auto expect_refused = [&](const std::string& p) {
      auto r = hsm->DeriveEcdh(key, p);
      REQUIRE_FALSE(r.ok());
      INFO(r.status().message());
      CHECK(r.status().code() == ErrorCode::kValidation);
    };
    std::string off_curve = point;
    off_curve.back() ^= 0x01;
    expect_refused(off_curve);
    expect_refused(point.substr(0, point.size() - 1));
    expect_refused("");
    std::string compressed = point.substr(0, 1 + (point.size() - 1) / 2);
    compressed[0] = 0x02;
    expect_refused(compressed);
    std::string not_a_point = point;
    not_a_point[0] = 0x05;
    expect_refused(not_a_point);
    // Still fine afterwards.
    auto again = hsm->DeriveEcdh(key, point);
    REQUIRE(again.ok());
    CHECK(again->view() == secret->view());
    REQUIRE(hsm->DestroyKey(key).ok());
  }
}

TEST_CASE("SoftHSM 2.6.1 refuses HMAC with a key shorter than the hash") {
  TempDir dir;
  auto hsm = MustOpen(AutoInitConfig(dir));
  const KeyHandle key = MustNewKey(*hsm, KeyKind::kHmac256);
  CHECK(hsm->Mac(key, MacHash::kSha224, "m").ok());
  for (MacHash hash : {MacHash::kSha384, MacHash::kSha512}) {
    auto mac = hsm->Mac(key, hash, "m");
    REQUIRE_FALSE(mac.ok());
    INFO(mac.status().message());
    CHECK(mac.status().code() == ErrorCode::kUnsupportedOperation);
    CHECK(mac.status().message().find("CKR_KEY_SIZE_RANGE") != std::string::npos);
    auto verified = hsm->VerifyMac(key, hash, "m", std::string(48, 'x'));
    REQUIRE_FALSE(verified.ok());
    CHECK(verified.status().code() == ErrorCode::kUnsupportedOperation);
  }
  auto still = hsm->Mac(key, MacHash::kSha256, "m");
  CHECK(still.ok());
}

TEST_CASE("recycled after enough destroyed objects, the module serves every loaded key under "
          "the same handle") {
  TempDir dir;
  HsmConfig config = AutoInitConfig(dir);
  config.recycle_after_destroyed = 8;
  auto hsm = MustOpen(config);
  auto session_keys = [&] {
    auto count = trent::hsm::CountSessionObjectsForTesting(*hsm);
    REQUIRE(count.ok());
    return *count;
  };
  const auto empty = session_keys();

  // One key of each way of loading: derived AES, wrapped AES, a wrapped secret (HMAC), wrapped
  // key pairs (RSA, EC) and a token object (Ed25519 in SoftHSM 2.6.1).
  const KeyHandle derived = MustNewKey(*hsm);
  auto wrapped_aes = UnwrapAes(*hsm, MustWrapAes(*hsm));
  REQUIRE(wrapped_aes.ok());
  const KeyHandle hmac = MustNewKey(*hsm, KeyKind::kHmac256);
  const KeyHandle rsa = MustNewKey(*hsm, KeyKind::kRsa2048);
  const KeyHandle ec = MustNewKey(*hsm, KeyKind::kEcP256);
  const GeneratedKey ed25519_material = MustGenerate(*hsm, KeyKind::kEd25519);
  const KeyHandle ed25519 = MustUnwrap(*hsm, KeyKind::kEd25519, ed25519_material);
  const KeyHandle unused = MustNewKey(*hsm);  // loaded, then never used again

  const std::string message = "made before the recycle";
  const Bytes digest = Digest(EVP_sha256(), message);
  auto sealed = hsm->EncryptGcm(derived, kIv, "aad", message);
  auto sealed_wrapped = hsm->EncryptGcm(*wrapped_aes, kIv, "aad", message);
  auto mac = hsm->Mac(hmac, MacHash::kSha256, message);
  auto rsa_signature = hsm->Sign(rsa, SignScheme::kRsaPssSha256, Str(digest));
  auto ec_signature = hsm->Sign(ec, SignScheme::kEcdsa, Str(digest));
  auto ed_signature = hsm->Sign(ed25519, SignScheme::kEd25519, message);
  auto oaep = hsm->EncryptOaep(rsa, OaepHash::kSha256, message);
  for (bool ok : {sealed.ok(), sealed_wrapped.ok(), mac.ok(), rsa_signature.ok(),
                  ec_signature.ok(), ed_signature.ok(), oaep.ok()}) {
    REQUIRE(ok);
  }
  const auto loaded = session_keys();
  const uint64_t recycles_before = hsm->Recycles();

  // Each key unwrapped and destroyed again is an object destroyed: 20 of them, 2 recycles.
  for (int i = 0; i < 20; ++i) REQUIRE(hsm->DestroyKey(MustNewKey(*hsm)).ok());
  CHECK(hsm->Recycles() >= recycles_before + 2);

  // The same handles open, verify and sign as before.
  auto opened = hsm->DecryptGcm(derived, kIv, "aad", Str(*sealed));
  REQUIRE(opened.ok());
  CHECK(opened->view() == message);
  auto opened_wrapped = hsm->DecryptGcm(*wrapped_aes, kIv, "aad", Str(*sealed_wrapped));
  REQUIRE(opened_wrapped.ok());
  CHECK(opened_wrapped->view() == message);
  auto mac_again = hsm->Mac(hmac, MacHash::kSha256, message);
  REQUIRE(mac_again.ok());
  CHECK(*mac_again == *mac);
  for (auto [key, scheme, input, signature] :
       {std::tuple{rsa, SignScheme::kRsaPssSha256, Str(digest), &*rsa_signature},
        std::tuple{ec, SignScheme::kEcdsa, Str(digest), &*ec_signature},
        std::tuple{ed25519, SignScheme::kEd25519, message, &*ed_signature}}) {
    auto verified = hsm->Verify(key, scheme, input, Str(*signature));
    REQUIRE(verified.ok());
    CHECK(*verified);
    auto signed_again = hsm->Sign(key, scheme, input);
    REQUIRE(signed_again.ok());
    auto verified_again = hsm->Verify(key, scheme, input, Str(*signed_again));
    REQUIRE(verified_again.ok());
    CHECK(*verified_again);
  }
  auto decrypted = hsm->DecryptOaep(rsa, OaepHash::kSha256, Str(*oaep));
  REQUIRE(decrypted.ok());
  CHECK(decrypted->view() == message);
  auto protection = trent::hsm::InspectKeyForTesting(*hsm, derived);
  REQUIRE(protection.ok());
  CHECK(protection->sensitive);
  CHECK_FALSE(protection->extractable);
  // Loaded again once each, the key never used since not at all.
  auto now = session_keys();
  CHECK(now.keys == loaded.keys - 1);
  CHECK(now.public_keys == loaded.public_keys);

  for (KeyHandle key : {derived, *wrapped_aes, hmac, rsa, ec, ed25519, unused}) {
    REQUIRE(hsm->DestroyKey(key).ok());
    CHECK_FALSE(hsm->DestroyKey(key).ok());
  }
  CHECK(hsm->DeleteKeyMaterial(StoredKey{KeyKind::kEd25519, ed25519_material.wrapped,
                                         ed25519_material.public_key})
            .ok());
  auto gone = session_keys();
  CHECK(gone.keys == empty.keys);
  CHECK(gone.public_keys == empty.public_keys);
}

TEST_CASE("signing on a lane is never left with a key drained for a recycle under it") {
  TempDir dir;
  HsmConfig config = AutoInitConfig(dir);
  config.recycle_after_destroyed = 4;
  auto hsm = MustOpen(config);
  const KeyHandle ec = MustNewKey(*hsm, KeyKind::kEcP256);
  const Bytes digest = Digest(EVP_sha256(), "signed while others churn");
  const uint64_t recycles_before = hsm->Recycles();
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  // Signing releases the session lock before it signs on a lane: the drain runs meanwhile.
  // Each recycle drains the key once: 300 of them (1 s here, about a minute under ASan) hit
  // that window 12 to 26 times before KeyUse.
  std::thread signer([&] {
    for (int i = 0; i < 3000 && hsm->Recycles() < recycles_before + 300; ++i) {
      auto signature = hsm->Sign(ec, SignScheme::kEcdsa, Str(digest));
      if (!signature.ok()) {
        ++failures;
        continue;
      }
      auto verified = hsm->Verify(ec, SignScheme::kEcdsa, Str(digest), Str(*signature));
      if (!verified.ok() || !*verified) ++failures;
    }
    done = true;
  });
  const GeneratedKey aes = MustGenerate(*hsm, KeyKind::kAes256);
  while (!done) {
    auto key = hsm->UnwrapKey(StoredKey{KeyKind::kAes256, aes.wrapped, aes.public_key});
    if (!key.ok() || !hsm->DestroyKey(*key).ok()) ++failures;
  }
  signer.join();
  CHECK(failures == 0);
  CHECK(hsm->Recycles() > recycles_before);
}
