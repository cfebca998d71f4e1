// Hsm over a PKCS#11 module loaded with dlopen.
//
// Sessions and locking: SoftHSM destroys a session object when the session that created it
// closes (other sessions can use it meanwhile), and logs the application out when its last
// session closes. So one long-lived session owns every unwrapped key and keeps the login.
// All calls go through that session under one SpinWaitMutex: SoftHSM serialises internally
// anyway, and measured with two threads a spinning lock on one session beats both a
// sleeping std::mutex and a session per thread without a lock (see spin_wait_mutex.h).
#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/der.h"
#include "common/durable_files.h"
#include "common/key_der.h"
#include "hsm/hsm.h"
#include "hsm/hsm_testing.h"
#include "hsm/private_key.h"
#include "hsm/public_key.h"
#include "hsm/spin_wait_mutex.h"
// Last: p11.h defines macros.
#include "hsm/p11.h"

namespace trent::hsm {
namespace {

constexpr char kDomainKeyLabel[] = "trent-domain-wrapping-key";
constexpr char kVersionKeyLabel[] = "trent-aes-version-key";  // a session object
// The label of the private keys trent keeps as token objects (see HeldInToken).
constexpr char kTokenKeyLabel[] = "trent-key";
constexpr CK_ULONG kAesKeyBytes = 32;
constexpr size_t kTokenLabelBytes = 32;
// PKCS#11 v3.0's code for a failed AEAD tag check; not in the v2.40 header.
constexpr CK_RV kCkrAeadDecryptFailed = 0x35;

const CK_BBOOL kTrue = CK_TRUE;
const CK_BBOOL kFalse = CK_FALSE;
const CK_OBJECT_CLASS kSecretKeyClass = CKO_SECRET_KEY;
const CK_OBJECT_CLASS kPrivateKeyClass = CKO_PRIVATE_KEY;
const CK_OBJECT_CLASS kPublicKeyClass = CKO_PUBLIC_KEY;
const CK_KEY_TYPE kAesKeyType = CKK_AES;
const CK_KEY_TYPE kGenericSecretType = CKK_GENERIC_SECRET;
const CK_BYTE kRsaPublicExponent[] = {0x01, 0x00, 0x01};  // 65537, as AWS KMS uses

// A mechanism with its name, for messages.
struct Mech {
  CK_MECHANISM_TYPE type;
  const char* name;
};
#define TRENT_MECH(m) \
  Mech { m, #m }
const Mech kAesKeyGen = TRENT_MECH(CKM_AES_KEY_GEN);
const Mech kAesGcm = TRENT_MECH(CKM_AES_GCM);
const Mech kAesKeyWrapPad{CKM_AES_KEY_WRAP_PAD, "CKM_AES_KEY_WRAP_PAD (0x210A)"};
const Mech kAesEcbEncryptData = TRENT_MECH(CKM_AES_ECB_ENCRYPT_DATA);
const Mech kRsaKeyPairGen = TRENT_MECH(CKM_RSA_PKCS_KEY_PAIR_GEN);
const Mech kEcKeyPairGen = TRENT_MECH(CKM_EC_KEY_PAIR_GEN);
const Mech kEdwardsKeyPairGen = TRENT_MECH(CKM_EC_EDWARDS_KEY_PAIR_GEN);
const Mech kGenericSecretKeyGen = TRENT_MECH(CKM_GENERIC_SECRET_KEY_GEN);
const Mech kRsaPkcs = TRENT_MECH(CKM_RSA_PKCS);
const Mech kRsaPkcsPss = TRENT_MECH(CKM_RSA_PKCS_PSS);
const Mech kRsaPkcsOaep = TRENT_MECH(CKM_RSA_PKCS_OAEP);
const Mech kRsaX509 = TRENT_MECH(CKM_RSA_X_509);
const Mech kEcdsa = TRENT_MECH(CKM_ECDSA);
const Mech kEcdh1Derive = TRENT_MECH(CKM_ECDH1_DERIVE);
const Mech kEddsa = TRENT_MECH(CKM_EDDSA);
const Mech kSha224Hmac = TRENT_MECH(CKM_SHA224_HMAC);
const Mech kSha256Hmac = TRENT_MECH(CKM_SHA256_HMAC);
const Mech kSha384Hmac = TRENT_MECH(CKM_SHA384_HMAC);
const Mech kSha512Hmac = TRENT_MECH(CKM_SHA512_HMAC);
#undef TRENT_MECH

// Mechanisms of key specs trent does not implement, by name, for OffersMechanisms (PKCS#11 3.2
// defines them after the v2.40 header trent builds with).
const Mech kNamedOnly[] = {
    {0x1c, "CKM_ML_DSA_KEY_PAIR_GEN"},
    {0x1d, "CKM_ML_DSA"},
};

// CKA_EC_PARAMS: the DER of each curve's OID.
constexpr CK_BYTE kOidP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr CK_BYTE kOidP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr CK_BYTE kOidP521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
constexpr CK_BYTE kOidSecp256k1[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
constexpr CK_BYTE kOidEd25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

// How the module generates and holds each KeyKind.
struct KindSpec {
  KeyKind kind;
  const char* name;  // for messages
  CK_OBJECT_CLASS secret_class;  // CKO_SECRET_KEY, or CKO_PRIVATE_KEY for a key pair
  CK_KEY_TYPE key_type;
  Mech generate;
  CK_ULONG rsa_bits = 0;                 // RSA: CKA_MODULUS_BITS
  std::basic_string_view<CK_BYTE> curve;  // EC, Ed25519: CKA_EC_PARAMS
  const char* openssl_group = nullptr;   // EC: the curve's name in public_key.h
  size_t field_bytes = 0;                // EC, Ed25519: bytes of a coordinate (and of r, s)
  CK_ULONG secret_bytes = 0;             // AES, HMAC: CKA_VALUE_LEN
  // Every mechanism that generating and using the kind needs (signature schemes and OAEP that
  // a caller may pick are asked of Supports(SignScheme / OaepHash) on their own). EC keys on
  // the NIST curves also agree keys (ECDH); secp256k1 keys only sign, as in AWS KMS (CreateKey,
  // KeyUsage: "For asymmetric KMS keys with ECC_SECG_P256K1 key pairs, specify SIGN_VERIFY").
  std::vector<Mech> needs;

  bool Needs(CK_MECHANISM_TYPE type) const {
    return std::any_of(needs.begin(), needs.end(), [&](const Mech& m) { return m.type == type; });
  }
};

template <size_t N>
std::basic_string_view<CK_BYTE> Der(const CK_BYTE (&oid)[N]) {
  return {oid, N};
}

const std::vector<KindSpec>& Kinds() {
  static const std::vector<KindSpec> kinds = {
      {KeyKind::kAes256, "AES-256", CKO_SECRET_KEY, CKK_AES, kAesKeyGen, 0, {}, nullptr, 0, 32,
       {kAesKeyGen, kAesGcm, kAesKeyWrapPad}},
      {KeyKind::kRsa2048, "RSA-2048", CKO_PRIVATE_KEY, CKK_RSA, kRsaKeyPairGen, 2048, {}, nullptr,
       0, 0, {kRsaKeyPairGen, kAesKeyWrapPad}},
      {KeyKind::kRsa3072, "RSA-3072", CKO_PRIVATE_KEY, CKK_RSA, kRsaKeyPairGen, 3072, {}, nullptr,
       0, 0, {kRsaKeyPairGen, kAesKeyWrapPad}},
      {KeyKind::kRsa4096, "RSA-4096", CKO_PRIVATE_KEY, CKK_RSA, kRsaKeyPairGen, 4096, {}, nullptr,
       0, 0, {kRsaKeyPairGen, kAesKeyWrapPad}},
      {KeyKind::kEcP256, "EC P-256", CKO_PRIVATE_KEY, CKK_EC, kEcKeyPairGen, 0, Der(kOidP256),
       "prime256v1", 32, 0, {kEcKeyPairGen, kEcdsa, kEcdh1Derive, kAesKeyWrapPad}},
      {KeyKind::kEcP384, "EC P-384", CKO_PRIVATE_KEY, CKK_EC, kEcKeyPairGen, 0, Der(kOidP384),
       "secp384r1", 48, 0, {kEcKeyPairGen, kEcdsa, kEcdh1Derive, kAesKeyWrapPad}},
      {KeyKind::kEcP521, "EC P-521", CKO_PRIVATE_KEY, CKK_EC, kEcKeyPairGen, 0, Der(kOidP521),
       "secp521r1", 66, 0, {kEcKeyPairGen, kEcdsa, kEcdh1Derive, kAesKeyWrapPad}},
      {KeyKind::kEcSecp256k1, "EC secp256k1", CKO_PRIVATE_KEY, CKK_EC, kEcKeyPairGen, 0,
       Der(kOidSecp256k1), "secp256k1", 32, 0, {kEcKeyPairGen, kEcdsa, kAesKeyWrapPad}},
      {KeyKind::kEd25519, "Ed25519", CKO_PRIVATE_KEY, CKK_EC_EDWARDS, kEdwardsKeyPairGen, 0,
       Der(kOidEd25519), nullptr, 32, 0, {kEdwardsKeyPairGen, kEddsa, kAesKeyWrapPad}},
      {KeyKind::kHmac224, "HMAC-224", CKO_SECRET_KEY, CKK_GENERIC_SECRET, kGenericSecretKeyGen, 0,
       {}, nullptr, 0, 28, {kGenericSecretKeyGen, kSha224Hmac, kAesKeyWrapPad}},
      {KeyKind::kHmac256, "HMAC-256", CKO_SECRET_KEY, CKK_GENERIC_SECRET, kGenericSecretKeyGen, 0,
       {}, nullptr, 0, 32, {kGenericSecretKeyGen, kSha256Hmac, kAesKeyWrapPad}},
      {KeyKind::kHmac384, "HMAC-384", CKO_SECRET_KEY, CKK_GENERIC_SECRET, kGenericSecretKeyGen, 0,
       {}, nullptr, 0, 48, {kGenericSecretKeyGen, kSha384Hmac, kAesKeyWrapPad}},
      {KeyKind::kHmac512, "HMAC-512", CKO_SECRET_KEY, CKK_GENERIC_SECRET, kGenericSecretKeyGen, 0,
       {}, nullptr, 0, 64, {kGenericSecretKeyGen, kSha512Hmac, kAesKeyWrapPad}},
  };
  return kinds;
}

const KindSpec& SpecOf(KeyKind kind) {
  for (const KindSpec& spec : Kinds()) {
    if (spec.kind == kind) return spec;
  }
  std::abort();  // every enumerator is in the table
}

// AES-KWP output: the key rounded up to 8 bytes plus an 8-byte integrity block.
constexpr size_t KwpSize(size_t key_bytes) { return (key_bytes + 7) / 8 * 8 + 8; }

// What each signature scheme is in the module.
struct SchemeSpec {
  Mech mech;
  CK_MECHANISM_TYPE hash = 0;  // PSS: the hash and its MGF1
  CK_RSA_PKCS_MGF_TYPE mgf = 0;
  CK_ULONG hash_bytes = 0;     // PSS: also the salt length
  CK_KEY_TYPE key_type;
};

SchemeSpec SchemeOf(SignScheme scheme) {
  switch (scheme) {
    case SignScheme::kRsaPkcs1:
      return {kRsaPkcs, 0, 0, 0, CKK_RSA};
    case SignScheme::kRsaPssSha256:
      return {kRsaPkcsPss, CKM_SHA256, CKG_MGF1_SHA256, 32, CKK_RSA};
    case SignScheme::kRsaPssSha384:
      return {kRsaPkcsPss, CKM_SHA384, CKG_MGF1_SHA384, 48, CKK_RSA};
    case SignScheme::kRsaPssSha512:
      return {kRsaPkcsPss, CKM_SHA512, CKG_MGF1_SHA512, 64, CKK_RSA};
    case SignScheme::kEcdsa:
      return {kEcdsa, 0, 0, 0, CKK_EC};
    case SignScheme::kEd25519:
      return {kEddsa, 0, 0, 0, CKK_EC_EDWARDS};
  }
  std::abort();
}

Mech HmacMech(MacHash hash) {
  switch (hash) {
    case MacHash::kSha224:
      return kSha224Hmac;
    case MacHash::kSha256:
      return kSha256Hmac;
    case MacHash::kSha384:
      return kSha384Hmac;
    case MacHash::kSha512:
      return kSha512Hmac;
  }
  std::abort();
}

// OAEP parameters: the hash, its MGF1, and the name public_key.h knows it by.
struct OaepSpec {
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
  size_t hash_bytes;
  const char* name;
};
OaepSpec OaepOf(OaepHash hash) {
  return hash == OaepHash::kSha1 ? OaepSpec{CKM_SHA_1, CKG_MGF1_SHA1, 20, "SHA1"}
                                 : OaepSpec{CKM_SHA256, CKG_MGF1_SHA256, 32, "SHA256"};
}

// CK_ATTRIBUTE is not const-correct: the module only reads the templates we pass in.
template <typename T>
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const T& v) {
  return {type, const_cast<T*>(&v), sizeof(T)};
}
CK_ATTRIBUTE Attr(CK_ATTRIBUTE_TYPE type, const char* s, size_t n) {
  return {type, const_cast<char*>(s), n};
}

// The module may get a null pointer for empty input (string_view of ""); give it a real one.
CK_BYTE_PTR InputPtr(const void* p) {
  static CK_BYTE empty = 0;
  return p ? static_cast<CK_BYTE_PTR>(const_cast<void*>(p)) : &empty;
}

CK_UTF8CHAR_PTR Utf8(const std::string& s) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s.data()));
}

Status CallFailed(const std::string& call, CK_RV rv) {
  return InternalError(call + " failed: " + CkrName(rv));
}
// "C_Sign (CKM_ECDSA) failed: ..."
Status CallFailed(const char* call, const std::string& what, CK_RV rv) {
  return CallFailed(std::string(call) + " (" + what + ")", rv);
}

// Fixed-width, space-padded PKCS#11 text fields.
std::string TrimPadded(const unsigned char* p, size_t n) {
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\0')) --n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

Status WriteSoftHsmConfig(const HsmConfig& config) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path token_dir = fs::absolute(config.softhsm_token_dir, ec);
  if (ec) return InternalError("bad token directory " + config.softhsm_token_dir);
  if (config.domain_key_check) {
    // The token must be there already: an empty directory in its place would only hide that.
    if (!fs::is_directory(token_dir, ec)) {
      return InternalError("the token directory " + token_dir.string() + " is missing");
    }
  } else {
    fs::create_directories(token_dir, ec);
    if (ec) {
      return InternalError("cannot create token directory " + token_dir.string() + ": " +
                           ec.message());
    }
  }
  fs::permissions(token_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return InternalError("cannot chmod 0700 " + token_dir.string() + ": " + ec.message());

  const fs::path conf(config.softhsm_conf_path);
  if (conf.has_parent_path()) {
    fs::create_directories(conf.parent_path(), ec);
    if (ec) {
      return InternalError("cannot create directory for " + conf.string() + ": " + ec.message());
    }
  }
  {
    std::ofstream out(conf, std::ios::trunc);
    out << "# Written by trentd at every start.\n"
        << "directories.tokendir = " << token_dir.string() << "\n"
        << "objectstore.backend = file\n"
        << "log.level = ERROR\n";
    out.close();
    if (!out) return InternalError("cannot write " + conf.string());
  }
  fs::permissions(conf, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                  ec);
  if (ec) return InternalError("cannot chmod 0600 " + conf.string() + ": " + ec.message());
  // Read by SoftHSM's C_Initialize.
  if (setenv("SOFTHSM2_CONF", conf.c_str(), 1) != 0) {
    return InternalError("cannot set SOFTHSM2_CONF");
  }
  return Status::Ok();
}

Status CheckConfig(const HsmConfig& config) {
  if (config.module_path.empty()) return InternalError("no PKCS#11 module path given");
  if (config.token_label.empty() || config.token_label.size() > kTokenLabelBytes) {
    return InternalError("the token label must be 1 to 32 bytes");
  }
  if (config.pin.empty()) return InternalError("no user PIN given");
  if (config.auto_init && (config.so_pin.empty() || config.softhsm_token_dir.empty() ||
                           config.softhsm_conf_path.empty())) {
    return InternalError("auto_init needs so_pin, softhsm_token_dir and softhsm_conf_path");
  }
  return Status::Ok();
}

class Pkcs11Hsm final : public Hsm {
 public:
  ~Pkcs11Hsm() override {
    for (const Lane& lane : lanes_) {
      if (lane.session != CK_INVALID_HANDLE) p11_->C_CloseSession(lane.session);
    }
    if (pair_session_ != CK_INVALID_HANDLE) p11_->C_CloseSession(pair_session_);
    // Closing the session also destroys every unwrapped key it owns.
    if (session_ != CK_INVALID_HANDLE) p11_->C_CloseSession(session_);
    if (initialized_) p11_->C_Finalize(nullptr);
    if (library_) dlclose(library_);
  }

  Status Start(const HsmConfig& config) {
    TRY_STATUS(CheckConfig(config));
    pin_ = config.pin;
    token_label_ = config.token_label;
    recycle_after_ = config.recycle_after_destroyed;
    // Only a first start may create a token or a domain key; later ones must find them.
    const bool may_create = !config.domain_key_check;
    const bool init_token = config.auto_init && may_create;
    if (config.auto_init) TRY_STATUS(WriteSoftHsmConfig(config));
    TRY_STATUS(Load(config.module_path));
    TRY(std::optional<TokenSlot> token, FindToken(config.token_label));
    if (!token && init_token) {
      TRY_STATUS(InitToken(config));
      TRY(token, FindToken(config.token_label));
    }
    if (!token) {
      if (init_token) return InternalError("token not found after initialising it");
      return InternalError(may_create ? "no initialised token with this label in any slot"
                                      : "no initialised token with this label in any slot, but "
                                        "the database's keys are wrapped under its domain key");
    }
    slot_ = token->slot;
    if (init_token && !token->user_pin_initialized) TRY_STATUS(InitUserPin(config));
    TRY_STATUS(OpenSessions());
    TRY_STATUS(CheckMechanisms());
    TRY(std::optional<CK_OBJECT_HANDLE> domain_key, FindDomainKey());
    if (domain_key) {
      domain_key_ = *domain_key;
    } else if (may_create) {
      TRY_STATUS(CreateDomainKey());
    } else {
      return InternalError(std::string("the token holds no domain wrapping key ('") +
                           kDomainKeyLabel +
                           "'), but the database's keys are wrapped under one: not creating a "
                           "new one");
    }
    TRY_STATUS(CopyDomainKeyIntoSession());
    if (OffersDerivation()) TRY_STATUS(DeriveVersionKey());
    // What the mechanism list cannot tell (session objects only, all destroyed again).
    TRY(oaep_sha256_native_, ProbeOaepSha256());
    TRY(ed25519_wrappable_, ProbeEd25519Wrap());
    if (config.domain_key_check) TRY_STATUS(CheckDomainKey(*config.domain_key_check));
    // SoftHSM does not fsync what it writes; the caller is about to record that this token
    // holds the domain key.
    if (init_token) TRY_STATUS(SyncTree(config.softhsm_token_dir));
    return BuildDescription(config.module_path);
  }

  Capability Supports(KeyKind kind) const override {
    if (HeldInToken(kind)) return Offered({kEdwardsKeyPairGen, kEddsa});
    return Offered(SpecOf(kind).needs);
  }
  Capability Supports(SignScheme scheme) const override {
    return Offered({SchemeOf(scheme).mech});
  }
  Capability Supports(OaepHash hash) const override {
    if (hash == OaepHash::kSha1 || oaep_sha256_native_) return Offered({kRsaPkcsOaep});
    // Encoded here and encrypted or decrypted raw in the module (see EncryptOaep).
    Capability raw = Offered({kRsaX509});
    if (!raw.offered) raw.missing = "CKM_RSA_PKCS_OAEP with SHA-256, or " + raw.missing;
    return raw;
  }

  Capability OffersMechanisms(std::span<const std::string_view> names) const override {
    std::vector<Mech> needs;
    std::string unknown;
    for (std::string_view name : names) {
      auto known = std::find_if(std::begin(kNamedOnly), std::end(kNamedOnly),
                                [&](const Mech& m) { return name == m.name; });
      if (known != std::end(kNamedOnly)) {
        needs.push_back(*known);
      } else {
        unknown += (unknown.empty() ? "" : ", ") + std::string(name);
      }
    }
    Capability c = Offered(needs);
    if (!unknown.empty()) {
      c.offered = false;
      c.missing += (c.missing.empty() ? "" : ", ") + unknown;
    }
    return c;
  }

  Result<GeneratedKey> GenerateKey(KeyKind kind) override {
    ModuleInUse in_use(*this);
    const KindSpec& spec = SpecOf(kind);
    if (const Capability c = Supports(kind); !c.offered) {
      return UnsupportedError(std::string(spec.name) + " keys: the module does not offer " +
                              c.missing);
    }
    if (DerivesVersions(kind)) {
      TRY(SecretBytes input, Random(kDerivationInputBytes));
      return GeneratedKey{DerivedReference(input), {}};
    }
    if (spec.secret_class == CKO_SECRET_KEY) {
      TRY(Bytes wrapped, GenerateSecret(spec));
      return GeneratedKey{std::move(wrapped), {}};
    }
    if (HeldInToken(kind)) return GenerateTokenKeyPair(spec);
    return GenerateKeyPair(spec);
  }

  Result<GeneratedKey> ImportKey(KeyKind kind, const SecretBytes& material) override {
    ModuleInUse in_use(*this);
    const KindSpec& spec = SpecOf(kind);
    if (const Capability c = Supports(kind); !c.offered) {
      return UnsupportedError(std::string(spec.name) + " keys: the module does not offer " +
                              c.missing);
    }
    if (spec.secret_class == CKO_SECRET_KEY) {
      // AWS's sizes of imported HMAC material: the digest size up to its block size.
      const size_t max_bytes =
          spec.key_type == CKK_AES ? spec.secret_bytes : spec.secret_bytes <= 32 ? 64 : 128;
      if (material.size() < spec.secret_bytes || material.size() > max_bytes) {
        return ValidationError(std::string(spec.name) + " key material must be " +
                               (max_bytes == spec.secret_bytes
                                    ? std::to_string(max_bytes)
                                    : std::to_string(spec.secret_bytes) + " to " +
                                          std::to_string(max_bytes)) +
                               " bytes, not " + std::to_string(material.size()));
      }
      TRY(Bytes wrapped, ImportSecret(spec, material));
      return GeneratedKey{std::move(wrapped), {}};
    }
    if (spec.key_type == CKK_RSA) return ImportRsa(spec, material);
    if (spec.key_type == CKK_EC) return ImportEc(spec, material);
    return ImportEd25519(spec, material);
  }

  Result<Bytes> NewDomainKeyCheck() override {
    ModuleInUse in_use(*this);
    return GenerateSecret(SpecOf(KeyKind::kAes256));
  }

  Result<KeyHandle> UnwrapKey(const StoredKey& key) override {
    ModuleInUse in_use(*this);
    std::lock_guard lock(mu_);
    TRY(KeyEntry entry, LoadEntry(key.kind, key.wrapped, key.public_key));
    const KeyHandle handle = next_handle_++;
    keys_.emplace(handle, std::move(entry));
    return handle;
  }

  Status DeleteKeyMaterial(const StoredKey& key) override {
    ModuleInUse in_use(*this);
    std::optional<Bytes> id = TokenObjectId(key.wrapped);
    if (!id) return Status::Ok();  // wrapped bytes: nothing of it is in the module
    std::lock_guard lock(mu_);
    TRY(std::optional<CK_OBJECT_HANDLE> object, FindTokenPrivateKey(*id));
    if (!object) return Status::Ok();  // already gone (a purge interrupted earlier)
    // Still held under a handle (loaded now, or to be loaded again at its next use).
    if (std::any_of(keys_.begin(), keys_.end(),
                    [&](const auto& k) { return k.second.wrapped == key.wrapped; })) {
      return InternalError("DeleteKeyMaterial: the key is still loaded");
    }
    const CK_RV rv = DestroyObject(*object);
    if (rv != CKR_OK) return CallFailed("C_DestroyObject (token private key)", rv);
    return Status::Ok();
  }

  Status DestroyKey(KeyHandle handle) override {
    ModuleInUse in_use(*this);
    std::lock_guard lock(mu_);
    // Only keys from UnwrapKey: never the domain key or another token object.
    auto it = keys_.find(handle);
    if (it == keys_.end()) return InternalError("DestroyKey: not a handle from UnwrapKey");
    const KeyEntry entry = std::move(it->second);
    // Forgotten whatever the module says: a handle it failed to destroy is no use either.
    keys_.erase(it);
    // Objects of a module since recycled went with it.
    if (entry.generation != generation_) return Status::Ok();
    const CK_OBJECT_HANDLE companion = entry.public_key;
    // A token object stays: it is the key's only copy (DeleteKeyMaterial removes it).
    const CK_RV rv = entry.token_object ? CKR_OK : DestroyObject(entry.object);
    const CK_RV public_rv = companion == CK_INVALID_HANDLE
                                ? CKR_OK
                                : DestroyObject(companion);
    if (rv != CKR_OK) return CallFailed("C_DestroyObject", rv);
    if (public_rv != CKR_OK) return CallFailed("C_DestroyObject (public key)", public_rv);
    return Status::Ok();
  }

  Result<Bytes> Sign(KeyHandle key, SignScheme scheme, std::string_view input) override {
    const SchemeSpec spec = SchemeOf(scheme);
    CK_RSA_PKCS_PSS_PARAMS pss{spec.hash, spec.mgf, spec.hash_bytes};
    CK_MECHANISM mech{spec.mech.type, spec.hash ? &pss : nullptr, spec.hash ? sizeof pss : 0};
    // Room for the largest: an RSA-4096 signature.
    TRY_STATUS(CheckDigestLength(spec, input));
    Bytes out(512);
    CK_ULONG out_len = out.size();
    ModuleInUse in_use(*this);
    CK_OBJECT_HANDLE private_key;
    std::optional<KeyUse> use;
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, spec.key_type, spec.mech.name));
      private_key = entry->object;
      use.emplace(*this, key, *entry);
    }
    // The caller's pin keeps `key` loaded, `use` its objects and in_use the module; its
    // signing runs on a lane of its own.
    CK_RV init_rv, rv = CKR_OK;
    {
      Lane& lane = TakeLane();
      std::lock_guard lock(lane.mu, std::adopt_lock);
      init_rv = p11_->C_SignInit(lane.session, &mech, private_key);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Sign(lane.session, InputPtr(input.data()), input.size(), out.data(),
                          &out_len);
      }
    }
    if (init_rv != CKR_OK) return CallFailed("C_SignInit", spec.mech.name, init_rv);
    if (rv != CKR_OK) return CallFailed("C_Sign", spec.mech.name, rv);
    out.resize(out_len);
    return out;
  }

  Result<bool> Verify(KeyHandle key, SignScheme scheme, std::string_view input,
                      std::string_view signature) override {
    const SchemeSpec spec = SchemeOf(scheme);
    CK_RSA_PKCS_PSS_PARAMS pss{spec.hash, spec.mgf, spec.hash_bytes};
    CK_MECHANISM mech{spec.mech.type, spec.hash ? &pss : nullptr, spec.hash ? sizeof pss : 0};
    TRY_STATUS(CheckDigestLength(spec, input));
    ModuleInUse in_use(*this);
    CK_OBJECT_HANDLE public_key;
    std::optional<KeyUse> use;  // as in Sign
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, spec.key_type, spec.mech.name));
      public_key = entry->public_key;
      use.emplace(*this, key, *entry);
    }
    CK_RV init_rv, rv = CKR_OK;
    {
      Lane& lane = TakeLane();
      std::lock_guard lock(lane.mu, std::adopt_lock);
      init_rv = p11_->C_VerifyInit(lane.session, &mech, public_key);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Verify(lane.session, InputPtr(input.data()), input.size(),
                            InputPtr(signature.data()), signature.size());
      }
    }
    if (init_rv != CKR_OK) return CallFailed("C_VerifyInit", spec.mech.name, init_rv);
    if (rv == CKR_SIGNATURE_INVALID || rv == CKR_SIGNATURE_LEN_RANGE) return false;
    if (rv != CKR_OK) return CallFailed("C_Verify", spec.mech.name, rv);
    return true;
  }

  Result<Bytes> EncryptOaep(KeyHandle key, OaepHash hash, std::string_view plaintext) override {
    const OaepSpec oaep = OaepOf(hash);
    const bool native = hash == OaepHash::kSha1 || oaep_sha256_native_;
    CK_RSA_PKCS_OAEP_PARAMS params{oaep.hash, oaep.mgf, CKZ_DATA_SPECIFIED, nullptr, 0};
    CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &params, sizeof params};
    CK_MECHANISM raw{CKM_RSA_X_509, nullptr, 0};
    ModuleInUse in_use(*this);
    size_t modulus_bytes;
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, CKK_RSA, "CKM_RSA_PKCS_OAEP"));
      modulus_bytes = entry->modulus_bytes;
    }
    // RFC 8017 7.1.1 step 1.b; SoftHSM answers CKR_GENERAL_ERROR to a longer plaintext.
    if (plaintext.size() + 2 * oaep.hash_bytes + 2 > modulus_bytes) {
      return ValidationError("the plaintext is too long for RSAES-OAEP with this key");
    }
    // Without SHA-256 in the module's OAEP, the encoding is done here and only the RSA
    // operation (with the public key: nothing secret either way) in the module.
    Bytes block;
    if (!native) {
      TRY(block, OaepEncode(oaep.name, modulus_bytes, plaintext));
      plaintext = AsStringView(block);
    }
    Bytes out(modulus_bytes);
    CK_ULONG out_len = out.size();
    CK_RV init_rv, rv = CKR_OK;
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, CKK_RSA, "CKM_RSA_PKCS_OAEP"));
      init_rv = p11_->C_EncryptInit(session_, native ? &mech : &raw, entry->public_key);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Encrypt(session_, InputPtr(plaintext.data()), plaintext.size(), out.data(),
                             &out_len);
      }
    }
    const char* what = native ? "CKM_RSA_PKCS_OAEP" : "CKM_RSA_X_509";
    if (init_rv != CKR_OK) return CallFailed("C_EncryptInit", what, init_rv);
    if (rv == CKR_DATA_LEN_RANGE) {
      return ValidationError("the plaintext is too long for RSAES-OAEP with this key");
    }
    if (rv != CKR_OK) return CallFailed("C_Encrypt", what, rv);
    out.resize(out_len);
    return out;
  }

  Result<SecretBytes> DecryptOaep(KeyHandle key, OaepHash hash,
                                  std::string_view ciphertext) override {
    const OaepSpec oaep = OaepOf(hash);
    const bool native = hash == OaepHash::kSha1 || oaep_sha256_native_;
    CK_RSA_PKCS_OAEP_PARAMS params{oaep.hash, oaep.mgf, CKZ_DATA_SPECIFIED, nullptr, 0};
    CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &params, sizeof params};
    CK_MECHANISM raw{CKM_RSA_X_509, nullptr, 0};
    SecretBytes out;
    CK_ULONG out_len = 0;
    size_t modulus_bytes;
    CK_RV init_rv, rv = CKR_OK;
    ModuleInUse in_use(*this);
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, CKK_RSA, "CKM_RSA_PKCS_OAEP"));
      modulus_bytes = entry->modulus_bytes;
      // A ciphertext of another length is not one for this key (and raw RSA would take it).
      if (ciphertext.size() != modulus_bytes) {
        return Status(ErrorCode::kInvalidCiphertext,
                      "the ciphertext is not the size of the key's modulus");
      }
      out = SecretBytes(modulus_bytes);
      out_len = out.size();
      // The private key's operation stays in the module either way.
      init_rv = p11_->C_DecryptInit(session_, native ? &mech : &raw, entry->object);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Decrypt(session_, InputPtr(ciphertext.data()), ciphertext.size(),
                             out.data(), &out_len);
      }
    }
    const char* what = native ? "CKM_RSA_PKCS_OAEP" : "CKM_RSA_X_509";
    if (init_rv != CKR_OK) return CallFailed("C_DecryptInit", what, init_rv);
    if (rv != CKR_OK) {
      return Status(ErrorCode::kInvalidCiphertext,
                    std::string("RSAES-OAEP decryption failed (") + CkrName(rv) + ")");
    }
    if (native) {
      out.resize(out_len);
      return out;
    }
    if (out_len > modulus_bytes) {
      return InternalError("C_Decrypt (CKM_RSA_X_509): unexpected length");
    }
    if (out_len < modulus_bytes) {
      // A module that strips the leading zeros: put them back (the decoding wants the block).
      SecretBytes block(modulus_bytes);
      std::memset(block.data(), 0, modulus_bytes - out_len);
      std::memcpy(block.data() + modulus_bytes - out_len, out.data(), out_len);
      out = std::move(block);
    }
    return OaepDecode(oaep.name, modulus_bytes, out);
  }

  Result<Bytes> Mac(KeyHandle key, MacHash hash, std::string_view message) override {
    const Mech hmac = HmacMech(hash);
    CK_MECHANISM mech{hmac.type, nullptr, 0};
    Bytes out(64);
    CK_ULONG out_len = out.size();
    CK_RV init_rv, rv = CKR_OK;
    ModuleInUse in_use(*this);
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, CKK_GENERIC_SECRET, hmac.name));
      init_rv = p11_->C_SignInit(session_, &mech, entry->object);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Sign(session_, InputPtr(message.data()), message.size(), out.data(),
                          &out_len);
      }
    }
    if (init_rv != CKR_OK) return HmacInitFailed("C_SignInit", hmac, init_rv);
    if (rv != CKR_OK) return CallFailed("C_Sign", hmac.name, rv);
    out.resize(out_len);
    return out;
  }

  Result<bool> VerifyMac(KeyHandle key, MacHash hash, std::string_view message,
                         std::string_view mac) override {
    const Mech hmac = HmacMech(hash);
    CK_MECHANISM mech{hmac.type, nullptr, 0};
    CK_RV init_rv, rv = CKR_OK;
    ModuleInUse in_use(*this);
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, CKK_GENERIC_SECRET, hmac.name));
      init_rv = p11_->C_VerifyInit(session_, &mech, entry->object);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Verify(session_, InputPtr(message.data()), message.size(),
                            InputPtr(mac.data()), mac.size());
      }
    }
    if (init_rv != CKR_OK) return HmacInitFailed("C_VerifyInit", hmac, init_rv);
    if (rv == CKR_SIGNATURE_INVALID || rv == CKR_SIGNATURE_LEN_RANGE) return false;
    if (rv != CKR_OK) return CallFailed("C_Verify", hmac.name, rv);
    return true;
  }

  Result<SecretBytes> DeriveEcdh(KeyHandle key, std::string_view peer_point) override {
    CK_ECDH1_DERIVE_PARAMS params{CKD_NULL, 0, nullptr, peer_point.size(),
                                  const_cast<CK_BYTE_PTR>(InputPtr(peer_point.data()))};
    CK_MECHANISM mech{CKM_ECDH1_DERIVE, &params, sizeof params};
    ModuleInUse in_use(*this);
    std::lock_guard lock(mu_);
    TRY(const KeyEntry* entry, LoadedOfType(key, CKK_EC, "CKM_ECDH1_DERIVE"));
    const KindSpec& spec = SpecOf(entry->kind);
    if (!spec.Needs(CKM_ECDH1_DERIVE)) {
      return InternalError(std::string("CKM_ECDH1_DERIVE cannot use an ") + spec.name + " key");
    }
    if (peer_point.size() != 1 + 2 * spec.field_bytes || peer_point[0] != 0x04) {
      return ValidationError(std::string("the peer's public key is not an uncompressed ") +
                             spec.name + " point");
    }
    const CK_ULONG secret_bytes = spec.field_bytes;
    // The shared secret leaves the module (it is what the caller asked for), so the derived
    // object must be readable; it is destroyed as soon as it has been read.
    const CK_ATTRIBUTE tmpl[] = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, kGenericSecretType),
        Attr(CKA_VALUE_LEN, secret_bytes),
        Attr(CKA_TOKEN, kFalse),
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_SENSITIVE, kFalse),
        Attr(CKA_EXTRACTABLE, kTrue),
        Attr(CKA_ENCRYPT, kFalse),
        Attr(CKA_DECRYPT, kFalse),
        Attr(CKA_SIGN, kFalse),
        Attr(CKA_VERIFY, kFalse),
        Attr(CKA_WRAP, kFalse),
        Attr(CKA_UNWRAP, kFalse),
        Attr(CKA_DERIVE, kFalse),
    };
    CK_OBJECT_HANDLE derived;
    CK_RV rv = p11_->C_DeriveKey(session_, &mech, entry->object, const_cast<CK_ATTRIBUTE*>(tmpl),
                                 std::size(tmpl), &derived);
    switch (rv) {
      case CKR_OK:
        break;
      // What SoftHSM and others answer for a point not on the curve or otherwise unusable.
      case CKR_ARGUMENTS_BAD:
      case CKR_MECHANISM_PARAM_INVALID:
      case CKR_DOMAIN_PARAMS_INVALID:
      case CKR_DATA_INVALID:
      case CKR_GENERAL_ERROR:
      case CKR_FUNCTION_FAILED:
        return ValidationError("the module refuses the peer's public point (" + CkrName(rv) +
                               ")");
      default:
        return CallFailed("C_DeriveKey (CKM_ECDH1_DERIVE)", rv);
    }
    SecretBytes secret(secret_bytes);
    CK_ATTRIBUTE value{CKA_VALUE, secret.data(), secret.size()};
    rv = p11_->C_GetAttributeValue(session_, derived, &value, 1);
    const CK_RV destroy_rv = DestroyObject(derived);
    if (rv != CKR_OK) return CallFailed("C_GetAttributeValue (ECDH shared secret)", rv);
    if (destroy_rv != CKR_OK) return CallFailed("C_DestroyObject (ECDH shared secret)", destroy_rv);
    if (value.ulValueLen != secret_bytes) {
      return InternalError("C_DeriveKey (CKM_ECDH1_DERIVE): unexpected length");
    }
    return secret;
  }

  Result<Bytes> EncryptGcm(KeyHandle key, const uint8_t iv[kGcmIvSize], std::string_view aad,
                           std::string_view plaintext) override {
    CK_GCM_PARAMS params = GcmParams(iv, aad);
    CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
    Bytes out(plaintext.size() + kGcmTagSize);
    CK_ULONG out_len = out.size();
    CK_RV init_rv, rv = CKR_OK;
    ModuleInUse in_use(*this);
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, CKK_AES, "CKM_AES_GCM"));
      init_rv = p11_->C_EncryptInit(session_, &mech, entry->object);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Encrypt(session_, InputPtr(plaintext.data()), plaintext.size(), out.data(),
                             &out_len);
      }
    }
    if (init_rv != CKR_OK) return CallFailed("C_EncryptInit (AES-GCM)", init_rv);
    if (rv != CKR_OK) return CallFailed("C_Encrypt (AES-GCM)", rv);
    if (out_len != out.size()) return InternalError("C_Encrypt (AES-GCM): unexpected length");
    return out;
  }

  Result<SecretBytes> DecryptGcm(KeyHandle key, const uint8_t iv[kGcmIvSize], std::string_view aad,
                                 std::string_view ciphertext_and_tag) override {
    if (ciphertext_and_tag.size() < kGcmTagSize) {
      return Status(ErrorCode::kInvalidCiphertext, "ciphertext shorter than the GCM tag");
    }
    CK_GCM_PARAMS params = GcmParams(iv, aad);
    CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
    // SoftHSM wants room for the whole input, tag included.
    SecretBytes out(ciphertext_and_tag.size());
    CK_ULONG out_len = out.size();
    CK_RV init_rv, rv = CKR_OK;
    ModuleInUse in_use(*this);
    {
      std::lock_guard lock(mu_);
      TRY(const KeyEntry* entry, LoadedOfType(key, CKK_AES, "CKM_AES_GCM"));
      init_rv = p11_->C_DecryptInit(session_, &mech, entry->object);
      if (init_rv == CKR_OK) {
        rv = p11_->C_Decrypt(session_, InputPtr(ciphertext_and_tag.data()),
                             ciphertext_and_tag.size(), out.data(), &out_len);
      }
    }
    if (init_rv != CKR_OK) return CallFailed("C_DecryptInit (AES-GCM)", init_rv);
    switch (rv) {
      case CKR_OK:
        break;
      // SoftHSM reports a failed tag check as CKR_GENERAL_ERROR.
      case CKR_GENERAL_ERROR:
      case CKR_ENCRYPTED_DATA_INVALID:
      case CKR_ENCRYPTED_DATA_LEN_RANGE:
      case kCkrAeadDecryptFailed:
        return Status(ErrorCode::kInvalidCiphertext,
                      "AES-GCM authentication failed (" + CkrName(rv) + ")");
      default:
        return CallFailed("C_Decrypt (AES-GCM)", rv);
    }
    if (out_len != ciphertext_and_tag.size() - kGcmTagSize) {
      return InternalError("C_Decrypt (AES-GCM): unexpected length");
    }
    out.resize(out_len);
    return out;
  }

  Result<SecretBytes> GenerateRandom(size_t n) override {
    ModuleInUse in_use(*this);
    return Random(n);
  }

  Result<SecretBytes> Random(size_t n) {
    SecretBytes out(n);
    if (n == 0) return out;
    CK_RV rv;
    {
      std::lock_guard lock(mu_);
      rv = p11_->C_GenerateRandom(session_, out.data(), n);
    }
    if (rv != CKR_OK) return CallFailed("C_GenerateRandom", rv);
    return out;
  }

  std::string Describe() const override { return description_; }

  uint64_t Recycles() const override { return recycles_.load(std::memory_order_relaxed); }

  size_t OpenSessions() const override {
    std::shared_lock in_use(module_mu_);
    size_t open = session_ != CK_INVALID_HANDLE ? 1 : 0;
    for (const Lane& lane : lanes_) open += lane.session != CK_INVALID_HANDLE ? 1 : 0;
    return open;
  }

  // The key's object, or for `public_part` its public key object.
  Result<KeyProtection> Inspect(KeyHandle key, bool public_part) {
    ModuleInUse in_use(*this);
    std::lock_guard lock(mu_);
    TRY(const KeyEntry* entry, Loaded(key, "Inspect"));
    if (!public_part) return InspectObject(entry->object);
    if (entry->public_key == CK_INVALID_HANDLE) return InternalError("not a key pair's handle");
    return InspectObject(entry->public_key);
  }

  // With mu_ held.
  Result<KeyProtection> InspectObject(CK_OBJECT_HANDLE key) {
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, token = CK_TRUE;
    CK_BBOOL flags[7] = {};
    CK_ATTRIBUTE query[] = {
        Attr(CKA_SENSITIVE, sensitive), Attr(CKA_EXTRACTABLE, extractable),
        Attr(CKA_TOKEN, token),         Attr(CKA_ENCRYPT, flags[0]),
        Attr(CKA_DECRYPT, flags[1]),    Attr(CKA_SIGN, flags[2]),
        Attr(CKA_VERIFY, flags[3]),     Attr(CKA_DERIVE, flags[4]),
        Attr(CKA_WRAP, flags[5]),       Attr(CKA_UNWRAP, flags[6]),
    };
    CK_MECHANISM wrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    // Room for any private key, so that a refusal is a refusal and not a short buffer.
    Bytes wrapped(8192);
    CK_ULONG wrapped_len = wrapped.size();
    // Attributes a key type lacks (CKA_ENCRYPT of an EC private key) read as false.
    for (CK_ATTRIBUTE& a : query) {
      const CK_RV rv = p11_->C_GetAttributeValue(session_, key, &a, 1);
      if (rv == CKR_ATTRIBUTE_TYPE_INVALID) continue;
      if (rv != CKR_OK) return CallFailed("C_GetAttributeValue", rv);
    }
    const CK_RV wrap_rv =
        p11_->C_WrapKey(session_, &wrap, domain_key_, key, wrapped.data(), &wrapped_len);
    KeyProtection p;
    p.sensitive = sensitive == CK_TRUE;
    p.extractable = extractable == CK_TRUE;
    p.token_object = token == CK_TRUE;
    p.wrap_refused = wrap_rv != CKR_OK;
    p.encrypt = flags[0] == CK_TRUE;
    p.decrypt = flags[1] == CK_TRUE;
    p.sign = flags[2] == CK_TRUE;
    p.verify = flags[3] == CK_TRUE;
    p.derive = flags[4] == CK_TRUE;
    p.wrap = flags[5] == CK_TRUE;
    p.unwrap = flags[6] == CK_TRUE;
    return p;
  }

  // With mu_ held: how many session objects match `find`.
  Result<size_t> CountObjects(const std::vector<CK_ATTRIBUTE>& find) {
    CK_RV rv = p11_->C_FindObjectsInit(session_, const_cast<CK_ATTRIBUTE*>(find.data()),
                                       find.size());
    if (rv != CKR_OK) return CallFailed("C_FindObjectsInit", rv);
    size_t count = 0;
    CK_OBJECT_HANDLE found[256];
    CK_ULONG n = 0;
    do {
      rv = p11_->C_FindObjects(session_, found, std::size(found), &n);
      count += n;
    } while (rv == CKR_OK && n == std::size(found));
    p11_->C_FindObjectsFinal(session_);
    if (rv != CKR_OK) return CallFailed("C_FindObjects", rv);
    return count;
  }

  Result<SessionKeyCount> CountSessionKeys() {
    ModuleInUse in_use(*this);
    std::lock_guard lock(mu_);
    SessionKeyCount c;
    // Unwrapped key versions are the session's secret keys that can encrypt (AES) or sign
    // (HMAC; the domain key's copy does neither), and its private keys.
    TRY(size_t aes, CountObjects({Attr(CKA_CLASS, kSecretKeyClass), Attr(CKA_TOKEN, kFalse),
                                  Attr(CKA_ENCRYPT, kTrue)}));
    TRY(size_t hmac, CountObjects({Attr(CKA_CLASS, kSecretKeyClass), Attr(CKA_TOKEN, kFalse),
                                   Attr(CKA_SIGN, kTrue)}));
    TRY(size_t priv, CountObjects({Attr(CKA_CLASS, kPrivateKeyClass), Attr(CKA_TOKEN, kFalse)}));
    TRY(c.public_keys, CountObjects({Attr(CKA_CLASS, kPublicKeyClass), Attr(CKA_TOKEN, kFalse)}));
    c.keys = aes + hmac + priv;
    return c;
  }

  Result<std::vector<ModuleObject>> ListObjects() {
    ModuleInUse in_use(*this);
    std::lock_guard lock(mu_);
    std::vector<CK_OBJECT_HANDLE> handles;
    CK_RV rv = p11_->C_FindObjectsInit(session_, nullptr, 0);  // an empty template: everything
    if (rv != CKR_OK) return CallFailed("C_FindObjectsInit", rv);
    CK_OBJECT_HANDLE found[256];
    CK_ULONG n = 0;
    do {
      rv = p11_->C_FindObjects(session_, found, std::size(found), &n);
      if (rv == CKR_OK) handles.insert(handles.end(), found, found + n);
    } while (rv == CKR_OK && n == std::size(found));
    p11_->C_FindObjectsFinal(session_);
    if (rv != CKR_OK) return CallFailed("C_FindObjects", rv);

    std::vector<ModuleObject> objects;
    for (CK_OBJECT_HANDLE h : handles) {
      ModuleObject o;
      o.handle = h;
      CK_OBJECT_CLASS cls = ~CK_OBJECT_CLASS{0};
      CK_ATTRIBUTE a = Attr(CKA_CLASS, cls);
      rv = p11_->C_GetAttributeValue(session_, h, &a, 1);
      if (rv != CKR_OK) return CallFailed("C_GetAttributeValue", "CKA_CLASS", rv);
      o.raw_class = cls;
      o.object_class = cls == CKO_SECRET_KEY    ? ModuleObject::Class::kSecretKey
                       : cls == CKO_PRIVATE_KEY ? ModuleObject::Class::kPrivateKey
                       : cls == CKO_PUBLIC_KEY  ? ModuleObject::Class::kPublicKey
                                                : ModuleObject::Class::kOther;
      auto flag = [&](CK_ATTRIBUTE_TYPE type, bool& out) -> Status {
        CK_BBOOL b = CK_FALSE;
        CK_ATTRIBUTE attr = Attr(type, b);
        const CK_RV r = p11_->C_GetAttributeValue(session_, h, &attr, 1);
        if (r != CKR_OK) return CallFailed("C_GetAttributeValue", r);
        out = b == CK_TRUE;
        return Status::Ok();
      };
      TRY_STATUS(flag(CKA_TOKEN, o.token_object));
      TRY_STATUS(flag(CKA_PRIVATE, o.private_object));
      CK_ATTRIBUTE label{CKA_LABEL, nullptr, 0};
      if (p11_->C_GetAttributeValue(session_, h, &label, 1) == CKR_OK && label.ulValueLen > 0 &&
          label.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
        TRY(Bytes value, GetAttribute(h, CKA_LABEL, "CKA_LABEL"));
        o.label.assign(value.begin(), value.end());
      }
      const bool is_key = o.object_class != ModuleObject::Class::kOther;
      if (is_key) {
        CK_KEY_TYPE type = ~CK_KEY_TYPE{0};
        CK_ATTRIBUTE t = Attr(CKA_KEY_TYPE, type);
        rv = p11_->C_GetAttributeValue(session_, h, &t, 1);
        if (rv != CKR_OK) return CallFailed("C_GetAttributeValue", "CKA_KEY_TYPE", rv);
        o.key_type = type == CKK_AES              ? "CKK_AES"
                     : type == CKK_GENERIC_SECRET ? "CKK_GENERIC_SECRET"
                     : type == CKK_SHA224_HMAC    ? "CKK_SHA224_HMAC"
                     : type == CKK_SHA256_HMAC    ? "CKK_SHA256_HMAC"
                     : type == CKK_SHA384_HMAC    ? "CKK_SHA384_HMAC"
                     : type == CKK_SHA512_HMAC    ? "CKK_SHA512_HMAC"
                     : type == CKK_RSA            ? "CKK_RSA"
                     : type == CKK_EC             ? "CKK_EC"
                     : type == CKK_EC_EDWARDS     ? "CKK_EC_EDWARDS"
                                                  : "CKK_" + std::to_string(type);
      }
      if (o.object_class == ModuleObject::Class::kSecretKey ||
          o.object_class == ModuleObject::Class::kPrivateKey) {
        TRY_STATUS(flag(CKA_SENSITIVE, o.sensitive));
        TRY_STATUS(flag(CKA_EXTRACTABLE, o.extractable));
        TRY_STATUS(flag(CKA_ALWAYS_SENSITIVE, o.always_sensitive));
        TRY_STATUS(flag(CKA_NEVER_EXTRACTABLE, o.never_extractable));
        struct Material {
          CK_ATTRIBUTE_TYPE type;
          const char* name;
        };
        static const Material kMaterial[] = {
            {CKA_VALUE, "CKA_VALUE"},           {CKA_PRIVATE_EXPONENT, "CKA_PRIVATE_EXPONENT"},
            {CKA_PRIME_1, "CKA_PRIME_1"},       {CKA_PRIME_2, "CKA_PRIME_2"},
            {CKA_EXPONENT_1, "CKA_EXPONENT_1"}, {CKA_EXPONENT_2, "CKA_EXPONENT_2"},
            {CKA_COEFFICIENT, "CKA_COEFFICIENT"},
        };
        for (const Material& m : kMaterial) {
          // A buffer large enough for any of them, so that a refusal is not a short buffer.
          Bytes buffer(8192, 0);
          CK_ATTRIBUTE attr{m.type, buffer.data(), buffer.size()};
          const CK_RV r = p11_->C_GetAttributeValue(session_, h, &attr, 1);
          ModuleObject::MaterialRead read{m.name, CkrName(r), 0};
          if (attr.ulValueLen != CK_UNAVAILABLE_INFORMATION) {
            read.bytes_returned = std::min<size_t>(attr.ulValueLen, buffer.size());
          }
          o.material_reads.push_back(std::move(read));
        }
      }
      objects.push_back(std::move(o));
    }
    return objects;
  }

 private:
  struct TokenSlot {
    CK_SLOT_ID slot;
    bool user_pin_initialized;
  };

  // What trent remembers of a key from UnwrapKey: its objects in the module, and what loads
  // them again after a recycle (see Recycle).
  struct KeyEntry {
    KeyKind kind;
    CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;      // the secret or private key
    CK_OBJECT_HANDLE public_key = CK_INVALID_HANDLE;  // a key pair's public session object
    size_t modulus_bytes = 0;                         // RSA
    bool token_object = false;  // the private key is a token object (see HeldInToken)
    // The module's generation_ the objects belong to; kUnloaded once drained (DrainSome).
    uint64_t generation = 0;
    Bytes wrapped;              // the StoredKey it was loaded from
    Bytes public_key_info;
    // Operations using the objects outside mu_ (KeyUse): DrainSome leaves the key alone.
    mutable uint32_t users = 0;
  };

  // Keeps a key's objects from being drained while an operation uses them after releasing mu_
  // (Sign and Verify, on a lane). Made with mu_ held; takes mu_ again when it ends.
  class KeyUse {
   public:
    KeyUse(Pkcs11Hsm& hsm, KeyHandle key, const KeyEntry& entry) : hsm_(hsm), key_(key) {
      ++entry.users;
    }
    ~KeyUse() {
      std::lock_guard lock(hsm_.mu_);
      if (auto it = hsm_.keys_.find(key_); it != hsm_.keys_.end()) --it->second.users;
    }
    KeyUse(const KeyUse&) = delete;
    KeyUse& operator=(const KeyUse&) = delete;

   private:
    Pkcs11Hsm& hsm_;
    const KeyHandle key_;
  };

  // With mu_ held: the entry of `key` with its objects in the module as it is now (loaded
  // again if the module was recycled since).
  Result<KeyEntry*> Loaded(KeyHandle key, const char* use) {
    auto it = keys_.find(key);
    if (it == keys_.end()) return InternalError(std::string(use) + ": not a handle from UnwrapKey");
    KeyEntry& entry = it->second;
    if (entry.generation != generation_) {
      TRY(KeyEntry reloaded, LoadEntry(entry.kind, entry.wrapped, entry.public_key_info));
      entry = std::move(reloaded);
    }
    return &entry;
  }

  // With mu_ held: Loaded, for a use that needs a key of `type`.
  Result<const KeyEntry*> LoadedOfType(KeyHandle key, CK_KEY_TYPE type, const char* use) {
    auto it = keys_.find(key);
    if (it == keys_.end()) return InternalError(std::string(use) + ": not a handle from UnwrapKey");
    const KindSpec& spec = SpecOf(it->second.kind);
    if (spec.key_type != type) {
      return InternalError(std::string(use) + " cannot use an " + spec.name + " key");
    }
    TRY(KeyEntry* entry, Loaded(key, use));
    return entry;
  }

  // With mu_ held: whether a key loaded now holds token object `object`.
  bool LoadedTokenObject(CK_OBJECT_HANDLE object) const {
    return std::any_of(keys_.begin(), keys_.end(), [&](const auto& k) {
      return k.second.token_object && k.second.generation == generation_ &&
             k.second.object == object;
    });
  }

  // Every public operation holds the module in use (module_mu_ shared) while it runs: a
  // recycle waits until none does. Once a recycle is due, each operation ends with a step of
  // the drain (DrainSome), and the one that completes it recycles the module.
  class ModuleInUse {
   public:
    explicit ModuleInUse(Pkcs11Hsm& hsm) : hsm_(hsm), lock_(hsm.module_mu_) {}
    ~ModuleInUse() {
      const bool drained = hsm_.RecycleDue() && hsm_.DrainSome();
      lock_.unlock();
      if (drained) hsm_.RecycleIfDue();
    }
    ModuleInUse(const ModuleInUse&) = delete;
    ModuleInUse& operator=(const ModuleInUse&) = delete;

   private:
    Pkcs11Hsm& hsm_;
    std::shared_lock<std::shared_mutex> lock_;
  };

  // C_DestroyObject, counted for the recycle.
  CK_RV DestroyObject(CK_OBJECT_HANDLE object) {
    destroyed_.fetch_add(1, std::memory_order_relaxed);
    return p11_->C_DestroyObject(session_, object);
  }

  bool RecycleDue() const {
    return recycle_after_ != 0 && destroyed_.load(std::memory_order_relaxed) >= recycle_after_;
  }

  // With module_mu_ held shared: destroys the objects of up to kDrainPerUse loaded keys (they
  // are loaded again at their next use, as after the recycle), so that the recycle's
  // C_Finalize, during which every operation waits, has fewer to free: it took about 5 µs a
  // loaded key, 56 ms for the 10,000 of a full cache, on top of 1.5 µs for each object
  // destroyed before. True once every key loaded when the drain began has been drained.
  bool DrainSome() {
    std::lock_guard lock(mu_);
    if (!draining_) {
      drain_.clear();
      for (const auto& [handle, entry] : keys_) {
        if (entry.generation == generation_) drain_.push_back(handle);
      }
      draining_ = true;
    }
    for (size_t n = 0; n < kDrainPerUse && !drain_.empty(); ++n) {
      auto it = keys_.find(drain_.back());
      drain_.pop_back();
      if (it == keys_.end() || it->second.generation != generation_) continue;
      KeyEntry& entry = it->second;
      if (entry.users > 0) continue;  // in use on a lane: C_Finalize frees it
      if (!entry.token_object) DestroyObject(entry.object);
      if (entry.public_key != CK_INVALID_HANDLE) DestroyObject(entry.public_key);
      entry.generation = kUnloaded;
    }
    return drain_.empty();
  }

  void RecycleIfDue() {
    if (!RecycleDue()) return;
    std::unique_lock exclusive(module_mu_);
    if (!RecycleDue()) return;  // done meanwhile
    // A failure leaves the count as it is: the next operation tries again, and until then
    // the module answers every call with its error.
    if (Recycle().ok()) destroyed_.store(0, std::memory_order_relaxed);
  }

  // With module_mu_ held exclusively (no operation under way): finalises the module, which
  // frees what SoftHSM keeps of destroyed objects (see HsmConfig::recycle_after_destroyed)
  // and takes every session and session object with it, and initialises it again as Start
  // did. Loaded keys keep their handles; Loaded makes their objects again at their next use.
  Status Recycle() {
    ++generation_;
    draining_ = false;
    drain_.clear();
    p11_->C_Finalize(nullptr);
    initialized_ = false;
    session_ = pair_session_ = CK_INVALID_HANDLE;
    for (Lane& lane : lanes_) lane.session = CK_INVALID_HANDLE;
    domain_key_ = version_key_ = CK_INVALID_HANDLE;
    TRY_STATUS(Initialize());
    // SoftHSM numbers its slots again when asked for the list.
    TRY(std::optional<TokenSlot> token, FindToken(token_label_));
    if (!token) return InternalError("the token is gone");
    slot_ = token->slot;
    TRY_STATUS(OpenSessions());
    TRY(std::optional<CK_OBJECT_HANDLE> domain_key, FindDomainKey());
    if (!domain_key) {
      return InternalError(std::string("the token no longer holds the domain wrapping key ('") +
                           kDomainKeyLabel + "')");
    }
    domain_key_ = *domain_key;
    TRY_STATUS(CopyDomainKeyIntoSession());
    if (OffersDerivation()) TRY_STATUS(DeriveVersionKey());
    recycles_.fetch_add(1, std::memory_order_relaxed);
    return Status::Ok();
  }

  Capability Offered(const std::vector<Mech>& needs) const {
    std::string missing;
    for (const Mech& m : needs) {
      if (offered_.count(m.type) == 0) {
        missing += missing.empty() ? m.name : std::string(", ") + m.name;
      }
    }
    return Capability{missing.empty(), missing};
  }

  // SoftHSM refuses keys shorter than the hash's output (RFC 2104 section 3 discourages them):
  // an HMAC-256 key cannot do HMAC-SHA-384. Not the module's fault, nor the caller's input.
  static Status HmacInitFailed(const char* call, const Mech& hmac, CK_RV rv) {
    if (rv == CKR_KEY_SIZE_RANGE) {
      return UnsupportedError(std::string("the module refuses ") + hmac.name +
                              " with a key shorter than the hash (" + CkrName(rv) + ")");
    }
    return CallFailed(call, hmac.name, rv);
  }

  // PSS signs a digest of exactly the hash's length (SoftHSM answers CKR_GENERAL_ERROR to
  // any other, which would read as the module's fault).
  static Status CheckDigestLength(const SchemeSpec& spec, std::string_view input) {
    if (spec.hash_bytes != 0 && input.size() != spec.hash_bytes) {
      return ValidationError("the digest for " + std::string(spec.mech.name) + " must be " +
                             std::to_string(spec.hash_bytes) + " bytes, not " +
                             std::to_string(input.size()));
    }
    return Status::Ok();
  }

  // With mu_ held: an attribute's value, of whatever length it has.
  Result<Bytes> GetAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type, const char* name) {
    CK_ATTRIBUTE a{type, nullptr, 0};
    CK_RV rv = p11_->C_GetAttributeValue(session_, object, &a, 1);
    if (rv != CKR_OK) return CallFailed("C_GetAttributeValue", name, rv);
    Bytes value(a.ulValueLen);
    a.pValue = value.data();
    rv = p11_->C_GetAttributeValue(session_, object, &a, 1);
    if (rv != CKR_OK) return CallFailed("C_GetAttributeValue", name, rv);
    value.resize(a.ulValueLen);
    return value;
  }

  // With mu_ held: `secret` wrapped under the domain key.
  Result<Bytes> Wrap(CK_OBJECT_HANDLE secret, const char* what) {
    CK_MECHANISM wrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    CK_ULONG wrapped_len = 0;
    CK_RV rv = p11_->C_WrapKey(session_, &wrap, domain_key_, secret, nullptr, &wrapped_len);
    if (rv == CKR_KEY_NOT_WRAPPABLE) {
      return UnsupportedError(std::string("the module cannot wrap ") + what + " keys (" +
                              CkrName(rv) + ")");
    }
    if (rv != CKR_OK) return CallFailed(std::string("C_WrapKey (AES-KWP, ") + what + ")", rv);
    Bytes wrapped(wrapped_len);
    rv = p11_->C_WrapKey(session_, &wrap, domain_key_, secret, wrapped.data(), &wrapped_len);
    if (rv != CKR_OK) return CallFailed(std::string("C_WrapKey (AES-KWP, ") + what + ")", rv);
    wrapped.resize(wrapped_len);
    return wrapped;
  }

  // AES and HMAC keys.
  Result<Bytes> GenerateSecret(const KindSpec& spec) {
    const CK_ATTRIBUTE tmpl[] = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        Attr(CKA_VALUE_LEN, spec.secret_bytes),
        Attr(CKA_TOKEN, kFalse),
        // Not CKA_PRIVATE, for the reason given in LoadedSecretTemplate: SoftHSM would encrypt
        // the value under the token key here and decrypt it again in C_WrapKey (60 -> 41 us of
        // CPU per key). The key is a session object, sensitive, and destroyed right after the
        // wrap.
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_SENSITIVE, kTrue),
        // Extractable only so that C_WrapKey accepts it; destroyed right after.
        Attr(CKA_EXTRACTABLE, kTrue),
        Attr(CKA_ENCRYPT, kFalse),
        Attr(CKA_DECRYPT, kFalse),
        Attr(CKA_WRAP, kFalse),
        Attr(CKA_UNWRAP, kFalse),
        Attr(CKA_SIGN, kFalse),
        Attr(CKA_VERIFY, kFalse),
        Attr(CKA_DERIVE, kFalse),
    };
    CK_MECHANISM gen{spec.generate.type, nullptr, 0};

    std::lock_guard lock(mu_);
    CK_OBJECT_HANDLE temp;
    const CK_RV rv = p11_->C_GenerateKey(session_, &gen, const_cast<CK_ATTRIBUTE*>(tmpl),
                                         std::size(tmpl), &temp);
    if (rv != CKR_OK) return CallFailed("C_GenerateKey", spec.name, rv);
    Result<Bytes> wrapped = Wrap(temp, spec.name);
    const CK_RV destroy_rv = DestroyObject(temp);
    if (!wrapped.ok()) return wrapped.status();
    if (destroy_rv != CKR_OK) return CallFailed("C_DestroyObject (temporary key)", destroy_rv);
    return wrapped;
  }

  // The attributes every imported object shares: a session object, sensitive, of no use;
  // extractable only so that C_WrapKey accepts it, and destroyed right after the wrap (as
  // GenerateSecret's and GenerateKeyPair's are).
  static void AppendImportAttributes(std::vector<CK_ATTRIBUTE>& tmpl) {
    for (CK_ATTRIBUTE_TYPE type : {CKA_TOKEN, CKA_PRIVATE, CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP,
                                   CKA_DERIVE}) {
      tmpl.push_back(Attr(type, kFalse));
    }
    tmpl.push_back(Attr(CKA_SENSITIVE, kTrue));
    tmpl.push_back(Attr(CKA_EXTRACTABLE, kTrue));
  }

  // With mu_ held: an object made of given key material; material the module refuses is
  // kValidation.
  Result<CK_OBJECT_HANDLE> CreateKeyObject(std::vector<CK_ATTRIBUTE>& tmpl, const KindSpec& spec) {
    CK_OBJECT_HANDLE object;
    const CK_RV rv = p11_->C_CreateObject(session_, tmpl.data(), tmpl.size(), &object);
    if (rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCONSISTENT) {
      return ValidationError(std::string("the module refuses this ") + spec.name +
                             " key material (" + CkrName(rv) + ")");
    }
    if (rv != CKR_OK) return CallFailed("C_CreateObject", spec.name, rv);
    return object;
  }

  // Creates an object from `tmpl`, wraps it under the domain key and destroys it.
  Result<Bytes> CreateAndWrap(std::vector<CK_ATTRIBUTE>& tmpl, const KindSpec& spec) {
    std::lock_guard lock(mu_);
    TRY(CK_OBJECT_HANDLE temp, CreateKeyObject(tmpl, spec));
    Result<Bytes> wrapped = Wrap(temp, spec.name);
    const CK_RV destroy_rv = DestroyObject(temp);
    if (!wrapped.ok()) return wrapped.status();
    if (destroy_rv != CKR_OK) return CallFailed("C_DestroyObject (imported key)", destroy_rv);
    return wrapped;
  }

  Result<Bytes> ImportSecret(const KindSpec& spec, const SecretBytes& material) {
    std::vector<CK_ATTRIBUTE> tmpl = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        {CKA_VALUE, const_cast<uint8_t*>(material.data()), material.size()},
        Attr(CKA_ENCRYPT, kFalse),
        Attr(CKA_WRAP, kFalse),
        Attr(CKA_VERIFY, kFalse),
    };
    AppendImportAttributes(tmpl);
    return CreateAndWrap(tmpl, spec);
  }

  Result<GeneratedKey> ImportRsa(const KindSpec& spec, const SecretBytes& material) {
    TRY(RsaPrivateParts parts, ParseRsaPrivateKey(material));
    if (parts.modulus.size() * 8 != spec.rsa_bits) {
      return ValidationError("the private key is an RSA key of " +
                             std::to_string(parts.modulus.size() * 8) + " bits, not " +
                             std::to_string(spec.rsa_bits));
    }
    auto secret = [](CK_ATTRIBUTE_TYPE type, const SecretBytes& b) {
      return CK_ATTRIBUTE{type, const_cast<uint8_t*>(b.data()), b.size()};
    };
    std::vector<CK_ATTRIBUTE> tmpl = {
        Attr(CKA_CLASS, kPrivateKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        {CKA_MODULUS, parts.modulus.data(), parts.modulus.size()},
        {CKA_PUBLIC_EXPONENT, parts.public_exponent.data(), parts.public_exponent.size()},
        secret(CKA_PRIVATE_EXPONENT, parts.private_exponent),
        secret(CKA_PRIME_1, parts.prime1),
        secret(CKA_PRIME_2, parts.prime2),
        secret(CKA_EXPONENT_1, parts.exponent1),
        secret(CKA_EXPONENT_2, parts.exponent2),
        secret(CKA_COEFFICIENT, parts.coefficient),
    };
    AppendImportAttributes(tmpl);
    TRY(Bytes wrapped, CreateAndWrap(tmpl, spec));
    return GeneratedKey{std::move(wrapped), std::move(parts.spki)};
  }

  Result<GeneratedKey> ImportEc(const KindSpec& spec, const SecretBytes& material) {
    TRY(EcPrivateParts parts, ParseEcPrivateKey(material, spec.field_bytes));
    if (parts.group != spec.openssl_group) {
      return ValidationError("the private key is on curve " + parts.group + ", not " +
                             spec.openssl_group);
    }
    std::vector<CK_ATTRIBUTE> tmpl = {
        Attr(CKA_CLASS, kPrivateKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        {CKA_EC_PARAMS, const_cast<CK_BYTE*>(spec.curve.data()), spec.curve.size()},
        {CKA_VALUE, parts.value.data(), parts.value.size()},
    };
    AppendImportAttributes(tmpl);
    TRY(Bytes wrapped, CreateAndWrap(tmpl, spec));
    return GeneratedKey{std::move(wrapped), std::move(parts.spki)};
  }

  // A raw EC or Ed25519 point from CKA_EC_POINT: PKCS#11 says a DER OCTET STRING (SoftHSM
  // returns that), some modules give the bare point. The sizes tell them apart.
  static Result<Bytes> PointFromAttribute(const KindSpec& spec, const Bytes& attr) {
    const size_t raw_size = spec.key_type == CKK_EC ? 1 + 2 * spec.field_bytes : spec.field_bytes;
    if (attr.size() == raw_size) return attr;
    TRY(Bytes point, ParseDerOctetString(attr));
    if (point.size() != raw_size) {
      return InternalError(std::string("CKA_EC_POINT of an ") + spec.name + " key has " +
                           std::to_string(point.size()) + " bytes");
    }
    return point;
  }

  Result<GeneratedKey> GenerateKeyPair(const KindSpec& spec) {
    const CK_ULONG bits = spec.rsa_bits;
    // The public object only serves to read the public key from; no usage.
    std::vector<CK_ATTRIBUTE> pub = {
        Attr(CKA_TOKEN, kFalse),   Attr(CKA_PRIVATE, kFalse), Attr(CKA_VERIFY, kFalse),
        Attr(CKA_ENCRYPT, kFalse), Attr(CKA_WRAP, kFalse),    Attr(CKA_DERIVE, kFalse),
    };
    if (spec.key_type == CKK_RSA) {
      pub.push_back(Attr(CKA_MODULUS_BITS, bits));
      pub.push_back({CKA_PUBLIC_EXPONENT, const_cast<CK_BYTE*>(kRsaPublicExponent),
                     sizeof kRsaPublicExponent});
    } else {
      pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE*>(spec.curve.data()), spec.curve.size()});
    }
    const CK_ATTRIBUTE priv[] = {
        Attr(CKA_TOKEN, kFalse),
        // Not CKA_PRIVATE, as for secret keys (GenerateSecret): a session object, sensitive,
        // and destroyed right after the wrap.
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_SENSITIVE, kTrue),
        // Extractable only so that C_WrapKey accepts it; destroyed right after.
        Attr(CKA_EXTRACTABLE, kTrue),
        Attr(CKA_SIGN, kFalse),
        Attr(CKA_DECRYPT, kFalse),
        Attr(CKA_UNWRAP, kFalse),
        Attr(CKA_DERIVE, kFalse),
    };
    CK_MECHANISM gen{spec.generate.type, nullptr, 0};

    Bytes wrapped, modulus, exponent, point;
    CK_OBJECT_HANDLE pub_key, priv_key;
    {
      // On a session of its own (see pair_session_), not session_'s lock.
      std::lock_guard lock(pair_mu_);
      const CK_RV rv = p11_->C_GenerateKeyPair(pair_session_, &gen, pub.data(), pub.size(),
                                               const_cast<CK_ATTRIBUTE*>(priv), std::size(priv),
                                               &pub_key, &priv_key);
      if (rv != CKR_OK) {
        return CallFailed("C_GenerateKeyPair", spec.name, rv);
      }
    }
    {
      std::lock_guard lock(mu_);
      auto read_and_wrap = [&]() -> Status {
        if (spec.key_type == CKK_RSA) {
          TRY(modulus, GetAttribute(pub_key, CKA_MODULUS, "CKA_MODULUS"));
          TRY(exponent, GetAttribute(pub_key, CKA_PUBLIC_EXPONENT, "CKA_PUBLIC_EXPONENT"));
        } else {
          TRY(Bytes attr, GetAttribute(pub_key, CKA_EC_POINT, "CKA_EC_POINT"));
          TRY(point, PointFromAttribute(spec, attr));
        }
        TRY(wrapped, Wrap(priv_key, spec.name));
        return Status::Ok();
      };
      const Status status = read_and_wrap();
      const CK_RV destroy_priv = DestroyObject(priv_key);
      const CK_RV destroy_pub = DestroyObject(pub_key);
      TRY_STATUS(status);
      if (destroy_priv != CKR_OK) return CallFailed("C_DestroyObject (private key)", destroy_priv);
      if (destroy_pub != CKR_OK) return CallFailed("C_DestroyObject (public key)", destroy_pub);
    }
    GeneratedKey key;
    key.wrapped = std::move(wrapped);
    if (spec.key_type == CKK_RSA) {
      TRY(key.public_key, der::RsaSpki(modulus, exponent));
    } else if (spec.key_type == CKK_EC) {
      TRY(key.public_key, der::EcSpki(spec.openssl_group, point));
    } else {
      TRY(key.public_key, der::Ed25519Spki(point));
    }
    return key;
  }

  // The attributes of a secret key loaded for use, unwrapped or derived: a session object,
  // sensitive and non-extractable, for its usage only (AES keys encrypt and decrypt; HMAC keys
  // sign and verify).
  static std::vector<CK_ATTRIBUTE> LoadedSecretTemplate(const KindSpec& spec) {
    const bool aes = spec.key_type == CKK_AES;
    return {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        Attr(CKA_TOKEN, kFalse),
        // Not CKA_PRIVATE: SoftHSM keeps a private object's value encrypted under the token
        // key and decrypts it, holding the token mutex, at every C_EncryptInit (86k vs 142k
        // GCM ops/s on one thread). A session object is only reachable from this process
        // either way; sensitive and non-extractable are what keep the material in the module.
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kFalse),
        Attr(CKA_ENCRYPT, aes ? kTrue : kFalse),
        Attr(CKA_DECRYPT, aes ? kTrue : kFalse),
        Attr(CKA_WRAP, kFalse),
        Attr(CKA_UNWRAP, kFalse),
        Attr(CKA_SIGN, aes ? kFalse : kTrue),
        Attr(CKA_VERIFY, aes ? kFalse : kTrue),
        Attr(CKA_DERIVE, kFalse),
    };
  }

  // With mu_ held: a key's objects in the module, from what UnwrapKey was given.
  Result<KeyEntry> LoadEntry(KeyKind kind, const Bytes& wrapped, const Bytes& public_key) {
    const KindSpec& spec = SpecOf(kind);
    KeyEntry entry;
    entry.kind = kind;
    if (std::optional<Bytes> input = DerivationInput(wrapped)) {
      if (kind != KeyKind::kAes256) {
        return InternalError(std::string("derived material stored for a ") + spec.name + " key");
      }
      TRY(entry.object, DeriveSecret(spec, *input));
    } else if (spec.secret_class == CKO_SECRET_KEY) {
      // SoftHSM records no CKA_VALUE_LEN on unwrap; for AES the size tells (AES-KWP of 32 bytes
      // is 40). A blob that passes KWP's integrity check was wrapped by us, with the kind
      // recorded. HMAC keys go unchecked: SoftHSM 2.6.1 zero-pads a secret to 8 bytes before
      // KWP and unwraps the padded value (a 28-byte key comes back as 32 bytes), which HMAC
      // does not notice (it pads its key with zeros anyway) but another module would not do.
      if (kind == KeyKind::kAes256 && wrapped.size() != KwpSize(spec.secret_bytes)) {
        return InternalError("wrapped key is " + std::to_string(wrapped.size()) +
                             " bytes, not an AES-KWP-wrapped " + spec.name + " key");
      }
      TRY(entry.object, UnwrapSecret(spec, wrapped));
    } else {
      TRY_STATUS(UnwrapKeyPair(spec, wrapped, public_key, entry));
    }
    entry.generation = generation_;
    entry.wrapped = wrapped;
    entry.public_key_info = public_key;
    return entry;
  }

  // With mu_ held.
  Result<CK_OBJECT_HANDLE> UnwrapSecret(const KindSpec& spec, const Bytes& wrapped) {
    std::vector<CK_ATTRIBUTE> tmpl = LoadedSecretTemplate(spec);
    CK_MECHANISM unwrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    CK_OBJECT_HANDLE key;
    const CK_RV rv =
        p11_->C_UnwrapKey(session_, &unwrap, domain_key_, const_cast<CK_BYTE_PTR>(wrapped.data()),
                          wrapped.size(), tmpl.data(), tmpl.size(), &key);
    if (rv != CKR_OK) {
      return InternalError("C_UnwrapKey (AES-KWP) failed: " + CkrName(rv) +
                           " (not wrapped under this token's domain key?)");
    }
    return key;
  }

  // With mu_ held. See DerivesVersions.
  Result<CK_OBJECT_HANDLE> DeriveSecret(const KindSpec& spec, const Bytes& input) {
    std::vector<CK_ATTRIBUTE> tmpl = LoadedSecretTemplate(spec);
    tmpl.push_back(Attr(CKA_VALUE_LEN, spec.secret_bytes));
    CK_KEY_DERIVATION_STRING_DATA data{const_cast<CK_BYTE_PTR>(input.data()), input.size()};
    CK_MECHANISM derive{CKM_AES_ECB_ENCRYPT_DATA, &data, sizeof data};
    if (version_key_ == CK_INVALID_HANDLE) {
      return InternalError("this key version's material is derived with " +
                           std::string(kAesEcbEncryptData.name) +
                           ", which the module does not offer");
    }
    CK_OBJECT_HANDLE key;
    const CK_RV rv =
        p11_->C_DeriveKey(session_, &derive, version_key_, tmpl.data(), tmpl.size(), &key);
    if (rv != CKR_OK) return CallFailed("C_DeriveKey", std::string(spec.name) + " key version", rv);
    return key;
  }

  // With mu_ held: fills `entry`'s objects.
  Status UnwrapKeyPair(const KindSpec& spec, const Bytes& wrapped, const Bytes& public_key,
                       KeyEntry& entry) {
    // The public key's attributes, from the SubjectPublicKeyInfo GenerateKey returned.
    Bytes modulus, exponent, ec_point;
    std::vector<CK_ATTRIBUTE> pub = {
        Attr(CKA_CLASS, kPublicKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        Attr(CKA_TOKEN, kFalse),
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_VERIFY, kTrue),
        Attr(CKA_ENCRYPT, spec.key_type == CKK_RSA ? kTrue : kFalse),
        Attr(CKA_WRAP, kFalse),
        Attr(CKA_DERIVE, kFalse),
    };
    if (spec.key_type == CKK_RSA) {
      TRY(RsaPublicParts parts, ParseRsaSpki(public_key));
      if (parts.modulus.size() * 8 != spec.rsa_bits) {
        return InternalError(std::string("the public key is not an ") + spec.name + " key");
      }
      modulus = std::move(parts.modulus);
      exponent = std::move(parts.exponent);
      entry.modulus_bytes = modulus.size();
      pub.push_back({CKA_MODULUS, modulus.data(), modulus.size()});
      pub.push_back({CKA_PUBLIC_EXPONENT, exponent.data(), exponent.size()});
    } else {
      Bytes point;
      if (spec.key_type == CKK_EC) {
        TRY(point, ParseEcSpki(public_key, spec.openssl_group));
      } else {
        TRY(point, ParseEd25519Spki(public_key));
      }
      ec_point = der::OctetString(point).Encode();
      pub.push_back({CKA_EC_PARAMS, const_cast<CK_BYTE*>(spec.curve.data()), spec.curve.size()});
      pub.push_back({CKA_EC_POINT, ec_point.data(), ec_point.size()});
    }
    // The private key does what a KMS key of its spec may do, and no more: RSA signs or
    // decrypts, EC on a NIST curve signs or derives (ECDH), secp256k1 and Ed25519 sign. Which of
    // these a key is for is KMS's business (its KeyUsage), checked before the module is asked.
    const CK_BBOOL decrypt = spec.key_type == CKK_RSA ? kTrue : kFalse;
    const CK_BBOOL derive = spec.Needs(CKM_ECDH1_DERIVE) ? kTrue : kFalse;
    const CK_ATTRIBUTE priv[] = {
        Attr(CKA_CLASS, kPrivateKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        Attr(CKA_TOKEN, kFalse),
        // Not CKA_PRIVATE, for the reason given in UnwrapSecret.
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kFalse),
        Attr(CKA_SIGN, kTrue),
        Attr(CKA_DECRYPT, decrypt),
        Attr(CKA_DERIVE, derive),
        Attr(CKA_UNWRAP, kFalse),
    };
    CK_MECHANISM unwrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    CK_OBJECT_HANDLE key;
    CK_RV rv;
    if (std::optional<Bytes> id = TokenObjectId(wrapped)) {
      // Held in the token (HeldInToken): found, not unwrapped.
      TRY(std::optional<CK_OBJECT_HANDLE> found, FindTokenPrivateKey(*id));
      if (!found) {
        return InternalError(std::string("the token holds no ") + spec.name +
                             " private key with this key's CKA_ID");
      }
      if (LoadedTokenObject(*found)) {
        return InternalError("the token object is loaded already (the material cache holds "
                             "each key version once)");
      }
      key = *found;
      entry.token_object = true;
    } else {
      rv = p11_->C_UnwrapKey(session_, &unwrap, domain_key_,
                             const_cast<CK_BYTE_PTR>(wrapped.data()), wrapped.size(),
                             const_cast<CK_ATTRIBUTE*>(priv), std::size(priv), &key);
      if (rv != CKR_OK) {
        return InternalError("C_UnwrapKey (AES-KWP, " + std::string(spec.name) +
                             ") failed: " + CkrName(rv) +
                             " (not wrapped under this token's domain key?)");
      }
    }
    rv = p11_->C_CreateObject(session_, pub.data(), pub.size(), &entry.public_key);
    if (rv != CKR_OK) {
      if (!entry.token_object) DestroyObject(key);
      return CallFailed(std::string("C_CreateObject (") + spec.name + " public key)", rv);
    }
    entry.object = key;
    return Status::Ok();
  }

  // Key kinds whose private keys the module cannot wrap are kept as token objects instead:
  // sensitive, never extractable, private (readable only after login) and found again by a
  // random CKA_ID, which is what the key version stores in place of wrapped bytes. SoftHSM
  // 2.6.1 cannot wrap Ed25519 keys (ProbeEd25519Wrap). A token object costs a file and about
  // 7 ms to create; Ed25519 keys are few, and the wrapped path serves every other kind.
  bool HeldInToken(KeyKind kind) const { return kind == KeyKind::kEd25519 && !ed25519_wrappable_; }

  // What a key version stores for a token-held key: this prefix and the object's CKA_ID in hex.
  // (AES-KWP output is pseudo-random bytes: it never starts with this text.)
  static constexpr std::string_view kTokenObjectPrefix = "pkcs11-token-object:";
  static constexpr size_t kTokenObjectIdBytes = 16;

  static std::optional<Bytes> TokenObjectId(const Bytes& stored) {
    return ParseReference(stored, kTokenObjectPrefix, kTokenObjectIdBytes);
  }

  static Bytes TokenObjectReference(const Bytes& id) {
    return Reference(kTokenObjectPrefix, id.data(), id.size());
  }

  // What a key version stores in place of wrapped bytes: `prefix` and `n` bytes in hex.
  static Bytes Reference(std::string_view prefix, const uint8_t* p, size_t n) {
    const std::string stored = std::string(prefix) + HexEncode(p, n);
    return Bytes(stored.begin(), stored.end());
  }

  // The bytes of a Reference with this prefix and size, if `stored` is one.
  static std::optional<Bytes> ParseReference(const Bytes& stored, std::string_view prefix,
                                             size_t n) {
    const std::string_view text = AsStringView(stored);
    Bytes out(n);
    // HexDecodeInto refuses any length but 2 * n digits after the prefix.
    if (!text.starts_with(prefix) ||
        !HexDecodeInto(text.substr(prefix.size()), out.data(), n, HexCase::kLowerOnly)) {
      return std::nullopt;
    }
    return out;
  }

  // AES key versions are derived, not generated and wrapped, when the module offers
  // CKM_AES_ECB_ENCRYPT_DATA: a version stores a random 32-byte input from the module's
  // generator, and its key is AES-256-ECB of that input under the version key (two blocks,
  // 32 bytes), computed inside the module whenever the version is loaded. Creating a key then
  // costs the module one C_GenerateRandom instead of a key generation, a wrap and a destroy
  // (about 30% of CreateKey's CPU); loading one costs a C_DeriveKey instead of a C_UnwrapKey.
  // As with wrapped bytes, what SQLite holds is useless without the token's domain key, and
  // deleting it deletes the key. Keys imported from a seed, and every other kind, are wrapped.
  bool OffersDerivation() const { return Offered({kAesEcbEncryptData}).offered; }
  bool DerivesVersions(KeyKind kind) const {
    return kind == KeyKind::kAes256 && version_key_ != CK_INVALID_HANDLE;
  }

  static constexpr std::string_view kDerivedPrefix = "pkcs11-derived-aes-256:";
  static constexpr size_t kDerivationInputBytes = 32;

  static Bytes DerivedReference(const SecretBytes& input) {
    return Reference(kDerivedPrefix, input.data(), input.size());
  }
  static std::optional<Bytes> DerivationInput(const Bytes& stored) {
    return ParseReference(stored, kDerivedPrefix, kDerivationInputBytes);
  }

  // With mu_ held: the token's private key object with this CKA_ID, if any.
  Result<std::optional<CK_OBJECT_HANDLE>> FindTokenPrivateKey(const Bytes& id) {
    const CK_ATTRIBUTE find[] = {
        Attr(CKA_CLASS, kPrivateKeyClass),
        Attr(CKA_TOKEN, kTrue),
        {CKA_ID, const_cast<uint8_t*>(id.data()), id.size()},
    };
    CK_RV rv = p11_->C_FindObjectsInit(session_, const_cast<CK_ATTRIBUTE*>(find), std::size(find));
    if (rv != CKR_OK) return CallFailed("C_FindObjectsInit", rv);
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n = 0;
    rv = p11_->C_FindObjects(session_, found, std::size(found), &n);
    p11_->C_FindObjectsFinal(session_);
    if (rv != CKR_OK) return CallFailed("C_FindObjects", rv);
    if (n > 1) return InternalError("several token private keys share one CKA_ID");
    if (n == 0) return std::optional<CK_OBJECT_HANDLE>();
    return std::optional<CK_OBJECT_HANDLE>(found[0]);
  }

  // What a token-held private key is (HeldInToken): sensitive, never extractable, private,
  // able to sign only, found by `id`. `id` must outlive the attributes.
  static std::vector<CK_ATTRIBUTE> TokenPrivateKeyAttributes(const Bytes& id) {
    return {
        Attr(CKA_TOKEN, kTrue),
        Attr(CKA_PRIVATE, kTrue),
        Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kFalse),
        Attr(CKA_SIGN, kTrue),
        Attr(CKA_DECRYPT, kFalse),
        Attr(CKA_UNWRAP, kFalse),
        Attr(CKA_DERIVE, kFalse),
        {CKA_ID, const_cast<uint8_t*>(id.data()), id.size()},
        Attr(CKA_LABEL, kTokenKeyLabel, sizeof kTokenKeyLabel - 1),
    };
  }

  // A given Ed25519 private key (DER PKCS#8) held as a generated one is: a token object with
  // a new random CKA_ID when the module cannot wrap it (HeldInToken), else wrapped under the
  // domain key. Its public key is computed from the given key, not read from the module.
  Result<GeneratedKey> ImportEd25519(const KindSpec& spec, const SecretBytes& material) {
    TRY(Ed25519PrivateParts parts, ParseEd25519PrivateKey(material));
    std::vector<CK_ATTRIBUTE> tmpl = {
        Attr(CKA_CLASS, kPrivateKeyClass),
        Attr(CKA_KEY_TYPE, spec.key_type),
        {CKA_EC_PARAMS, const_cast<CK_BYTE*>(spec.curve.data()), spec.curve.size()},
        {CKA_VALUE, parts.value.data(), parts.value.size()},
    };
    if (!HeldInToken(spec.kind)) {
      AppendImportAttributes(tmpl);
      TRY(Bytes wrapped, CreateAndWrap(tmpl, spec));
      return GeneratedKey{std::move(wrapped), std::move(parts.spki)};
    }
    TRY(SecretBytes random_id, Random(kTokenObjectIdBytes));
    const Bytes id(random_id.data(), random_id.data() + random_id.size());
    for (const CK_ATTRIBUTE& a : TokenPrivateKeyAttributes(id)) tmpl.push_back(a);
    std::lock_guard lock(mu_);
    TRY_STATUS(CreateKeyObject(tmpl, spec).status());
    return GeneratedKey{TokenObjectReference(id), std::move(parts.spki)};
  }

  // A key pair whose private key is made a token object (HeldInToken); its public key is
  // read from a session object destroyed before this returns.
  Result<GeneratedKey> GenerateTokenKeyPair(const KindSpec& spec) {
    TRY(SecretBytes random_id, Random(kTokenObjectIdBytes));
    const Bytes id(random_id.data(), random_id.data() + random_id.size());
    const CK_ATTRIBUTE pub[] = {
        Attr(CKA_TOKEN, kFalse),
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_VERIFY, kFalse),
        {CKA_EC_PARAMS, const_cast<CK_BYTE*>(spec.curve.data()), spec.curve.size()},
    };
    std::vector<CK_ATTRIBUTE> priv = TokenPrivateKeyAttributes(id);
    CK_MECHANISM gen{spec.generate.type, nullptr, 0};
    Bytes point;
    {
      std::lock_guard lock(mu_);
      CK_OBJECT_HANDLE pub_key, priv_key;
      const CK_RV rv = p11_->C_GenerateKeyPair(session_, &gen, const_cast<CK_ATTRIBUTE*>(pub),
                                               std::size(pub), priv.data(), priv.size(),
                                               &pub_key, &priv_key);
      if (rv != CKR_OK) return CallFailed("C_GenerateKeyPair", spec.name, rv);
      Result<Bytes> attr = GetAttribute(pub_key, CKA_EC_POINT, "CKA_EC_POINT");
      const CK_RV destroy_pub = DestroyObject(pub_key);
      if (!attr.ok() || destroy_pub != CKR_OK) {
        DestroyObject(priv_key);
        if (!attr.ok()) return attr.status();
        return CallFailed("C_DestroyObject (public key)", destroy_pub);
      }
      Result<Bytes> parsed = PointFromAttribute(spec, *attr);
      if (!parsed.ok()) {
        DestroyObject(priv_key);
        return parsed.status();
      }
      point = std::move(*parsed);
    }
    GeneratedKey key;
    key.wrapped = TokenObjectReference(id);
    TRY(key.public_key, der::Ed25519Spki(point));
    return key;
  }

  // Whether the module wraps Ed25519 private keys: SoftHSM 2.6.1 offers the mechanisms but
  // answers CKR_KEY_NOT_WRAPPABLE (and cannot unwrap them). Asked once at Open of a throwaway
  // key pair (generated in well under a millisecond).
  Result<bool> ProbeEd25519Wrap() {
    const KindSpec& spec = SpecOf(KeyKind::kEd25519);
    if (!Offered(spec.needs).offered) return false;
    const CK_ATTRIBUTE pub[] = {
        Attr(CKA_TOKEN, kFalse),
        Attr(CKA_PRIVATE, kFalse),
        {CKA_EC_PARAMS, const_cast<CK_BYTE*>(spec.curve.data()), spec.curve.size()},
    };
    const CK_ATTRIBUTE priv[] = {
        Attr(CKA_TOKEN, kFalse),     Attr(CKA_PRIVATE, kFalse), Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kTrue), Attr(CKA_SIGN, kFalse),
    };
    CK_MECHANISM gen{spec.generate.type, nullptr, 0};
    CK_OBJECT_HANDLE pub_key, priv_key;
    const CK_RV rv = p11_->C_GenerateKeyPair(session_, &gen, const_cast<CK_ATTRIBUTE*>(pub),
                                             std::size(pub), const_cast<CK_ATTRIBUTE*>(priv),
                                             std::size(priv), &pub_key, &priv_key);
    if (rv != CKR_OK) return false;
    CK_MECHANISM wrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    CK_ULONG wrapped_len = 0;
    const CK_RV wrap_rv =
        p11_->C_WrapKey(session_, &wrap, domain_key_, priv_key, nullptr, &wrapped_len);
    const CK_RV destroy_priv = DestroyObject(priv_key);
    const CK_RV destroy_pub = DestroyObject(pub_key);
    if (destroy_priv != CKR_OK) return CallFailed("C_DestroyObject (Ed25519 probe)", destroy_priv);
    if (destroy_pub != CKR_OK) return CallFailed("C_DestroyObject (Ed25519 probe)", destroy_pub);
    return wrap_rv == CKR_OK;
  }

  // Whether the module's CKM_RSA_PKCS_OAEP takes SHA-256 (SoftHSM 2.6.1 takes only SHA-1).
  // Asked once at Open, of a throwaway public key object: the mechanism list cannot tell.
  Result<bool> ProbeOaepSha256() {
    if (offered_.count(CKM_RSA_PKCS_OAEP) == 0) return false;
    // Any odd 2048-bit number serves as a modulus for a public-key operation.
    Bytes modulus(256, 0);
    modulus.front() = 0xc0;
    modulus.back() = 0x01;
    const CK_KEY_TYPE rsa = CKK_RSA;
    const CK_ATTRIBUTE tmpl[] = {
        Attr(CKA_CLASS, kPublicKeyClass), Attr(CKA_KEY_TYPE, rsa), Attr(CKA_TOKEN, kFalse),
        Attr(CKA_PRIVATE, kFalse),        Attr(CKA_ENCRYPT, kTrue),
        {CKA_MODULUS, modulus.data(), modulus.size()},
        {CKA_PUBLIC_EXPONENT, const_cast<CK_BYTE*>(kRsaPublicExponent), sizeof kRsaPublicExponent},
    };
    CK_OBJECT_HANDLE probe;
    CK_RV rv = p11_->C_CreateObject(session_, const_cast<CK_ATTRIBUTE*>(tmpl), std::size(tmpl),
                                    &probe);
    if (rv != CKR_OK) return CallFailed("C_CreateObject (RSA public key for the OAEP probe)", rv);
    CK_RSA_PKCS_OAEP_PARAMS params{CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
    CK_MECHANISM mech{CKM_RSA_PKCS_OAEP, &params, sizeof params};
    const CK_RV init_rv = p11_->C_EncryptInit(session_, &mech, probe);
    if (init_rv == CKR_OK) {
      // Ends the operation; the result does not matter.
      CK_BYTE in = 0;
      Bytes out(modulus.size());
      CK_ULONG out_len = out.size();
      p11_->C_Encrypt(session_, &in, 1, out.data(), &out_len);
    }
    rv = DestroyObject(probe);
    if (rv != CKR_OK) return CallFailed("C_DestroyObject (OAEP probe key)", rv);
    return init_rv == CKR_OK;
  }

  static CK_GCM_PARAMS GcmParams(const uint8_t iv[kGcmIvSize], std::string_view aad) {
    CK_GCM_PARAMS p;
    p.pIv = const_cast<CK_BYTE_PTR>(iv);
    p.ulIvLen = kGcmIvSize;
    p.ulIvBits = kGcmIvSize * 8;  // v2.40 layout, as SoftHSM 2.6.1 declares it
    p.pAAD = InputPtr(aad.data());
    p.ulAADLen = aad.size();
    p.ulTagBits = kGcmTagSize * 8;
    return p;
  }

  Status Load(const std::string& path) {
    library_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) return InternalError(std::string("cannot load: ") + dlerror());
    auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(library_, "C_GetFunctionList"));
    if (!get_list) return InternalError("no C_GetFunctionList symbol");
    const CK_RV rv = get_list(&p11_);
    if (rv != CKR_OK) return CallFailed("C_GetFunctionList", rv);
    return Initialize();
  }

  Status Initialize() {
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    const CK_RV rv = p11_->C_Initialize(&args);
    if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      return InternalError("C_Initialize: already initialised (one Hsm per process at a time)");
    }
    if (rv != CKR_OK) return CallFailed("C_Initialize", rv);
    initialized_ = true;
    return Status::Ok();
  }

  // The initialised token labelled `label`, if any.
  Result<std::optional<TokenSlot>> FindToken(const std::string& label) {
    TRY(std::vector<CK_SLOT_ID> slots, SlotsWithToken());
    std::optional<TokenSlot> found;
    for (CK_SLOT_ID slot : slots) {
      CK_TOKEN_INFO info;
      const CK_RV rv = p11_->C_GetTokenInfo(slot, &info);
      if (rv != CKR_OK) return CallFailed("C_GetTokenInfo", rv);
      if (!(info.flags & CKF_TOKEN_INITIALIZED)) continue;
      if (TrimPadded(info.label, sizeof info.label) != label) continue;
      if (found) return InternalError("several tokens carry this label");
      found = TokenSlot{slot, (info.flags & CKF_USER_PIN_INITIALIZED) != 0};
    }
    return found;
  }

  Result<std::vector<CK_SLOT_ID>> SlotsWithToken() {
    CK_ULONG n = 0;
    CK_RV rv = p11_->C_GetSlotList(CK_TRUE, nullptr, &n);
    if (rv != CKR_OK) return CallFailed("C_GetSlotList", rv);
    std::vector<CK_SLOT_ID> slots(n);
    rv = p11_->C_GetSlotList(CK_TRUE, slots.data(), &n);
    if (rv != CKR_OK) return CallFailed("C_GetSlotList", rv);
    slots.resize(n);
    return slots;
  }

  // Initialises the token in the first slot holding an uninitialised one.
  Status InitToken(const HsmConfig& config) {
    TRY(std::vector<CK_SLOT_ID> slots, SlotsWithToken());
    for (CK_SLOT_ID slot : slots) {
      CK_TOKEN_INFO info;
      const CK_RV rv = p11_->C_GetTokenInfo(slot, &info);
      if (rv != CKR_OK) return CallFailed("C_GetTokenInfo", rv);
      if (info.flags & CKF_TOKEN_INITIALIZED) continue;
      CK_UTF8CHAR label[kTokenLabelBytes];
      std::memset(label, ' ', sizeof label);
      std::memcpy(label, config.token_label.data(), config.token_label.size());
      const CK_RV init_rv =
          p11_->C_InitToken(slot, Utf8(config.so_pin), config.so_pin.size(), label);
      if (init_rv != CKR_OK) return CallFailed("C_InitToken", init_rv);
      slot_ = slot;
      return InitUserPin(config);
    }
    return InternalError("no free slot to initialise the token in");
  }

  // As the SO on slot_, sets the user PIN.
  Status InitUserPin(const HsmConfig& config) {
    CK_SESSION_HANDLE s;
    CK_RV rv =
        p11_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s);
    if (rv != CKR_OK) return CallFailed("C_OpenSession", rv);
    const char* step = "C_Login (SO)";
    rv = p11_->C_Login(s, CKU_SO, Utf8(config.so_pin), config.so_pin.size());
    if (rv == CKR_OK) {
      step = "C_InitPIN";
      rv = p11_->C_InitPIN(s, Utf8(config.pin), config.pin.size());
      p11_->C_Logout(s);
    }
    p11_->C_CloseSession(s);
    return rv == CKR_OK ? Status::Ok() : CallFailed(step, rv);
  }

  // Signing and verifying take 50 µs (ECDSA) to over a millisecond (RSA-4096) of arithmetic,
  // which SoftHSM does without holding a lock of its own: on the one session_ they would queue
  // behind each other and behind every AES operation. They run on sessions of their own
  // instead, one per lane (session objects of session_ are usable from any session of the
  // process). Measured by scripts/bench on 2 cores: ECDSA P-256 Verify 7.6k -> 10.3k req/s,
  // RSA-2048 PSS Sign 1.3k -> 1.7k.
  struct Lane {
    SpinWaitMutex mu;  // guards every use of session
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  };
  // As many lanes as cores, and at least 4: Sign and Verify run on the compute pool, as large
  // as the cores unless configured, and a thread that finds no lane free waits for one.
  static size_t SigningLaneCount() {
    return std::max<size_t>(4, std::thread::hardware_concurrency());
  }

  // The sessions trent works in, logged in: session_, the signing lanes and pair_session_.
  Status OpenSessions() {
    TRY_STATUS(Login(pin_));
    TRY_STATUS(OpenSigningLanes());
    if (const CK_RV rv = p11_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
                                             nullptr, &pair_session_);
        rv != CKR_OK) {
      pair_session_ = CK_INVALID_HANDLE;
      return CallFailed("C_OpenSession (key pairs)", rv);
    }
    return Status::Ok();
  }

  Status OpenSigningLanes() {
    for (Lane& lane : lanes_) {
      const CK_RV rv = p11_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr,
                                           nullptr, &lane.session);
      if (rv != CKR_OK) {
        lane.session = CK_INVALID_HANDLE;
        return CallFailed("C_OpenSession (signing lane)", rv);
      }
    }
    return Status::Ok();
  }

  // A lane, locked: a free one if any, else this thread's usual one once it is free.
  Lane& TakeLane() {
    thread_local size_t home = next_home_.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < lanes_.size(); ++i) {
      Lane& lane = lanes_[(home + i) % lanes_.size()];
      if (lane.mu.try_lock()) return lane;
    }
    Lane& lane = lanes_[home % lanes_.size()];
    lane.mu.lock();
    return lane;
  }

  Status Login(const std::string& pin) {
    CK_RV rv = p11_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                                   &session_);
    if (rv != CKR_OK) {
      session_ = CK_INVALID_HANDLE;
      return CallFailed("C_OpenSession", rv);
    }
    rv = p11_->C_Login(session_, CKU_USER, Utf8(pin), pin.size());
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) {
      return InternalError("wrong user PIN (" + CkrName(rv) + ")");
    }
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) return CallFailed("C_Login (user)", rv);
    return Status::Ok();
  }

  Status CheckMechanisms() {
    CK_ULONG n = 0;
    CK_RV rv = p11_->C_GetMechanismList(slot_, nullptr, &n);
    if (rv != CKR_OK) return CallFailed("C_GetMechanismList", rv);
    std::vector<CK_MECHANISM_TYPE> offered(n);
    rv = p11_->C_GetMechanismList(slot_, offered.data(), &n);
    if (rv != CKR_OK) return CallFailed("C_GetMechanismList", rv);
    offered.resize(n);
    offered_.insert(offered.begin(), offered.end());
    // Only AES keys are required (they hold the data keys and the domain key check); what
    // the other kinds need is asked of Supports when a key of that kind is wanted.
    const Capability aes = Offered(SpecOf(KeyKind::kAes256).needs);
    if (!aes.offered) return InternalError("the module does not offer " + aes.missing);
    return Status::Ok();
  }

  Result<std::optional<CK_OBJECT_HANDLE>> FindDomainKey() {
    const CK_ATTRIBUTE find[] = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_TOKEN, kTrue),
        Attr(CKA_LABEL, kDomainKeyLabel, sizeof kDomainKeyLabel - 1),
    };
    CK_RV rv = p11_->C_FindObjectsInit(session_, const_cast<CK_ATTRIBUTE*>(find), std::size(find));
    if (rv != CKR_OK) return CallFailed("C_FindObjectsInit", rv);
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n = 0;
    rv = p11_->C_FindObjects(session_, found, std::size(found), &n);
    p11_->C_FindObjectsFinal(session_);
    if (rv != CKR_OK) return CallFailed("C_FindObjects", rv);
    if (n > 1) {
      return InternalError(std::string("several objects labelled ") + kDomainKeyLabel);
    }
    if (n == 0) return std::optional<CK_OBJECT_HANDLE>();
    return std::optional<CK_OBJECT_HANDLE>(found[0]);
  }

  Status CreateDomainKey() {
    const CK_ATTRIBUTE tmpl[] = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, kAesKeyType),
        Attr(CKA_VALUE_LEN, kAesKeyBytes),
        Attr(CKA_TOKEN, kTrue),
        Attr(CKA_PRIVATE, kTrue),
        Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kFalse),
        Attr(CKA_WRAP, kTrue),
        Attr(CKA_UNWRAP, kTrue),
        Attr(CKA_ENCRYPT, kFalse),
        Attr(CKA_DECRYPT, kFalse),
        Attr(CKA_SIGN, kFalse),
        Attr(CKA_VERIFY, kFalse),
        Attr(CKA_DERIVE, kFalse),
        Attr(CKA_LABEL, kDomainKeyLabel, sizeof kDomainKeyLabel - 1),
    };
    CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
    const CK_RV rv = p11_->C_GenerateKey(session_, &gen, const_cast<CK_ATTRIBUTE*>(tmpl),
                                         std::size(tmpl), &domain_key_);
    if (rv != CKR_OK) return CallFailed("C_GenerateKey (domain wrapping key)", rv);
    return Status::Ok();
  }

  // AES-KWP carries a 64-bit integrity check, so only the domain key that wrapped `check`
  // unwraps it: a wrong key passes with odds of about 2^-64. Needs no mechanism beyond
  // those trent requires anyway, and `check` (a wrapped throwaway key) tells nothing about
  // the domain key.
  Status CheckDomainKey(const Bytes& check) {
    // Unwrapped, never derived: a derivation succeeds under any domain key.
    std::lock_guard lock(mu_);
    Result<CK_OBJECT_HANDLE> unwrapped = UnwrapSecret(SpecOf(KeyKind::kAes256), check);
    if (!unwrapped.ok()) {
      return InternalError(
          "the token's domain wrapping key is not the one the database's keys are wrapped "
          "under (" + unwrapped.status().message() + ")");
    }
    if (const CK_RV rv = DestroyObject(*unwrapped); rv != CKR_OK) {
      return CallFailed("C_DestroyObject (domain key check)", rv);
    }
    return Status::Ok();
  }

  // Measured with SoftHSM, an unwrap under the token object took 130 us and under a session
  // copy of it 50 us (a token object is checked against its file at every use), and a cache
  // miss is mostly that unwrap. The copy stays sensitive, non-extractable and private (SoftHSM
  // refuses to copy a private object as a public one), and goes when the session closes.
  // Wrapping and unwrapping use the copy.
  // The copy may also derive, once, the version key (DeriveVersionKey).
  Status CopyDomainKeyIntoSession() {
    const CK_ATTRIBUTE tmpl[] = {Attr(CKA_TOKEN, kFalse),
                                 Attr(CKA_DERIVE, OffersDerivation() ? kTrue : kFalse)};
    CK_OBJECT_HANDLE copy;
    const CK_RV rv = p11_->C_CopyObject(session_, domain_key_, const_cast<CK_ATTRIBUTE*>(tmpl),
                                        std::size(tmpl), &copy);
    if (rv != CKR_OK) return CallFailed("C_CopyObject (domain wrapping key into the session)", rv);
    domain_key_ = copy;
    return Status::Ok();
  }

  // The key AES key versions are derived from (DerivesVersions): itself derived from the domain
  // key and a fixed label at every start, so it needs no object in the token and no check of
  // its own (the domain key check covers it). Besides wrapping, this is the domain key's one
  // use, on this one fixed input.
  Status DeriveVersionKey() {
    static constexpr std::string_view kLabel = "trent derives AES key versions 1";
    static_assert(kLabel.size() == 32, "two AES blocks: ECB takes whole blocks");
    const CK_ATTRIBUTE tmpl[] = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, kAesKeyType),
        Attr(CKA_VALUE_LEN, kAesKeyBytes),
        Attr(CKA_TOKEN, kFalse),
        Attr(CKA_PRIVATE, kFalse),  // as LoadedSecretTemplate's keys, for the same reason
        Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kFalse),
        Attr(CKA_DERIVE, kTrue),
        Attr(CKA_ENCRYPT, kFalse),
        Attr(CKA_DECRYPT, kFalse),
        Attr(CKA_WRAP, kFalse),
        Attr(CKA_UNWRAP, kFalse),
        Attr(CKA_SIGN, kFalse),
        Attr(CKA_VERIFY, kFalse),
        Attr(CKA_LABEL, kVersionKeyLabel, sizeof kVersionKeyLabel - 1),
    };
    CK_KEY_DERIVATION_STRING_DATA data{
        reinterpret_cast<CK_BYTE_PTR>(const_cast<char*>(kLabel.data())), kLabel.size()};
    CK_MECHANISM derive{CKM_AES_ECB_ENCRYPT_DATA, &data, sizeof data};
    const CK_RV rv = p11_->C_DeriveKey(session_, &derive, domain_key_,
                                       const_cast<CK_ATTRIBUTE*>(tmpl), std::size(tmpl),
                                       &version_key_);
    if (rv != CKR_OK) return CallFailed("C_DeriveKey (the AES key-version key)", rv);
    return Status::Ok();
  }

  Status BuildDescription(const std::string& module_path) {
    CK_INFO info;
    CK_RV rv = p11_->C_GetInfo(&info);
    if (rv != CKR_OK) return CallFailed("C_GetInfo", rv);
    CK_TOKEN_INFO token;
    rv = p11_->C_GetTokenInfo(slot_, &token);
    if (rv != CKR_OK) return CallFailed("C_GetTokenInfo", rv);
    description_ = "PKCS#11 module " + module_path + " (" +
                   TrimPadded(info.manufacturerID, sizeof info.manufacturerID) + ", " +
                   TrimPadded(info.libraryDescription, sizeof info.libraryDescription) + " " +
                   std::to_string(info.libraryVersion.major) + "." +
                   std::to_string(info.libraryVersion.minor) + "), token '" +
                   TrimPadded(token.label, sizeof token.label) + "' serial " +
                   TrimPadded(token.serialNumber, sizeof token.serialNumber) + " in slot " +
                   std::to_string(slot_);
    return Status::Ok();
  }

  void* library_ = nullptr;
  CK_FUNCTION_LIST_PTR p11_ = nullptr;
  bool initialized_ = false;
  CK_SLOT_ID slot_ = 0;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;  // owns the unwrapped keys and the login
  CK_OBJECT_HANDLE domain_key_ = CK_INVALID_HANDLE;  // after Start: the session copy
  // After Start: the session key AES key versions are derived from, or CK_INVALID_HANDLE when
  // the module does not offer CKM_AES_ECB_ENCRYPT_DATA (see DerivesVersions).
  CK_OBJECT_HANDLE version_key_ = CK_INVALID_HANDLE;
  std::string description_;

  // Read-only after Start.
  std::unordered_set<CK_MECHANISM_TYPE> offered_;  // C_GetMechanismList
  bool oaep_sha256_native_ = false;  // CKM_RSA_PKCS_OAEP takes SHA-256 (ProbeOaepSha256)
  bool ed25519_wrappable_ = false;   // C_WrapKey takes Ed25519 private keys (ProbeEd25519Wrap)

  // Held shared by every operation (ModuleInUse), exclusively by Recycle: guards the module's
  // state and every session and object handle below against a recycle.
  mutable std::shared_mutex module_mu_;
  SpinWaitMutex mu_;  // guards every use of session_, and keys_ and next_handle_
  std::string pin_;   // to find the token and log in again after a recycle
  std::string token_label_;
  size_t recycle_after_ = 0;
  std::atomic<size_t> destroyed_{0};  // objects destroyed since the module was (re)initialised
  uint64_t generation_ = 0;           // how many recycles; changed only by Recycle
  static constexpr uint64_t kUnloaded = ~uint64_t{0};  // a KeyEntry generation: drained
  static constexpr size_t kDrainPerUse = 8;
  bool draining_ = false;          // guarded by mu_
  std::vector<KeyHandle> drain_;   // guarded by mu_: the keys DrainSome has yet to drain
  std::atomic<uint64_t> recycles_{0};

  // Sessions for Sign and Verify (see OpenSigningLanes).
  std::vector<Lane> lanes_ = std::vector<Lane>(SigningLaneCount());
  // The session GenerateKeyPair makes key pairs on: SoftHSM takes up to seconds for an RSA-4096
  // pair, and on session_ every Encrypt, Decrypt and MAC would wait for it. The pair's objects
  // (session objects, usable from session_) are read, wrapped and destroyed on session_.
  std::mutex pair_mu_;  // guards every use of pair_session_
  CK_SESSION_HANDLE pair_session_ = CK_INVALID_HANDLE;
  std::atomic<size_t> next_home_{0};
  // Keys from UnwrapKey not yet destroyed, by the handle UnwrapKey gave (trent's own number:
  // the module's handles change when it is recycled).
  std::unordered_map<KeyHandle, KeyEntry> keys_;
  KeyHandle next_handle_ = 1;
};

}  // namespace

bool IsKeyPair(KeyKind kind) { return SpecOf(kind).secret_class == CKO_PRIVATE_KEY; }

Result<std::unique_ptr<Hsm>> Hsm::Open(const HsmConfig& config) {
  auto hsm = std::make_unique<Pkcs11Hsm>();
  const Status status = hsm->Start(config);
  if (!status.ok()) {
    // `hsm` is destroyed here: session closed, module finalised and unloaded.
    return Status(status.code(), "PKCS#11 module " + config.module_path + ", token '" +
                                     config.token_label + "': " + status.message());
  }
  return std::unique_ptr<Hsm>(std::move(hsm));
}

Result<KeyProtection> InspectKeyForTesting(Hsm& hsm, KeyHandle key) {
  auto* p11 = dynamic_cast<Pkcs11Hsm*>(&hsm);
  if (!p11) return InternalError("not an Hsm from Hsm::Open");
  return p11->Inspect(key, false);
}

Result<KeyProtection> InspectPublicKeyForTesting(Hsm& hsm, KeyHandle key) {
  auto* p11 = dynamic_cast<Pkcs11Hsm*>(&hsm);
  if (!p11) return InternalError("not an Hsm from Hsm::Open");
  return p11->Inspect(key, true);
}


Result<size_t> CountSessionKeysForTesting(Hsm& hsm) {
  TRY(SessionKeyCount count, CountSessionObjectsForTesting(hsm));
  return count.keys;
}

Result<SessionKeyCount> CountSessionObjectsForTesting(Hsm& hsm) {
  auto* p11 = dynamic_cast<Pkcs11Hsm*>(&hsm);
  if (!p11) return InternalError("not an Hsm from Hsm::Open");
  return p11->CountSessionKeys();
}

Result<std::vector<ModuleObject>> ListModuleObjectsForTesting(Hsm& hsm) {
  auto* p11 = dynamic_cast<Pkcs11Hsm*>(&hsm);
  if (!p11) return InternalError("not an Hsm from Hsm::Open");
  return p11->ListObjects();
}

}  // namespace trent::hsm
