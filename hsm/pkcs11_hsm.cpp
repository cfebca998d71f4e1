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
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/durable_files.h"
#include "hsm/hsm.h"
#include "hsm/hsm_testing.h"
#include "hsm/spin_wait_mutex.h"
// Last: p11.h defines macros.
#include "hsm/p11.h"

namespace trent::hsm {
namespace {

constexpr char kDomainKeyLabel[] = "trent-domain-wrapping-key";
constexpr CK_ULONG kAesKeyBytes = 32;
// AES-KWP output: the key rounded up to 8 bytes plus an 8-byte integrity block.
constexpr CK_ULONG kWrappedKeyBytes = kAesKeyBytes + 8;
constexpr size_t kTokenLabelBytes = 32;
// PKCS#11 v3.0's code for a failed AEAD tag check; not in the v2.40 header.
constexpr CK_RV kCkrAeadDecryptFailed = 0x35;

const CK_BBOOL kTrue = CK_TRUE;
const CK_BBOOL kFalse = CK_FALSE;
const CK_OBJECT_CLASS kSecretKeyClass = CKO_SECRET_KEY;
const CK_KEY_TYPE kAesKeyType = CKK_AES;

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

Status CallFailed(const char* call, CK_RV rv) {
  return InternalError(std::string(call) + " failed: " + CkrName(rv));
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
    // Closing the session also destroys every unwrapped key it owns.
    if (session_ != CK_INVALID_HANDLE) p11_->C_CloseSession(session_);
    if (initialized_) p11_->C_Finalize(nullptr);
    if (library_) dlclose(library_);
  }

  Status Start(const HsmConfig& config) {
    TRY_STATUS(CheckConfig(config));
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
    TRY_STATUS(Login(config.pin));
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
    if (config.domain_key_check) TRY_STATUS(CheckDomainKey(*config.domain_key_check));
    // SoftHSM does not fsync what it writes; the caller is about to record that this token
    // holds the domain key.
    if (init_token) TRY_STATUS(SyncTree(config.softhsm_token_dir));
    return BuildDescription(config.module_path);
  }

  Result<Bytes> GenerateWrappedAesKey() override {
    const CK_ATTRIBUTE tmpl[] = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, kAesKeyType),
        Attr(CKA_VALUE_LEN, kAesKeyBytes),
        Attr(CKA_TOKEN, kFalse),
        // Not CKA_PRIVATE, for the reason given in UnwrapKey: SoftHSM would encrypt the value
        // under the token key here and decrypt it again in C_WrapKey (60 -> 41 us of CPU per
        // key). The key is a session object, sensitive, and destroyed right after the wrap.
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
    CK_MECHANISM gen{CKM_AES_KEY_GEN, nullptr, 0};
    CK_MECHANISM wrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    Bytes wrapped(kWrappedKeyBytes);
    CK_ULONG wrapped_len = wrapped.size();

    std::lock_guard lock(mu_);
    CK_OBJECT_HANDLE temp;
    CK_RV rv = p11_->C_GenerateKey(session_, &gen, const_cast<CK_ATTRIBUTE*>(tmpl), std::size(tmpl),
                                   &temp);
    if (rv != CKR_OK) return CallFailed("C_GenerateKey (AES-256)", rv);
    rv = p11_->C_WrapKey(session_, &wrap, domain_key_, temp, wrapped.data(), &wrapped_len);
    const CK_RV destroy_rv = p11_->C_DestroyObject(session_, temp);
    if (rv != CKR_OK) return CallFailed("C_WrapKey (AES-KWP)", rv);
    if (destroy_rv != CKR_OK) return CallFailed("C_DestroyObject (temporary key)", destroy_rv);
    wrapped.resize(wrapped_len);
    return wrapped;
  }

  Result<KeyHandle> UnwrapKey(const Bytes& wrapped) override {
    // SoftHSM records no CKA_VALUE_LEN on unwrap; the size tells: AES-KWP of 32 bytes is 40.
    // (A blob that passes KWP's integrity check was wrapped by us, and we wrap only AES-256.)
    if (wrapped.size() != kWrappedKeyBytes) {
      return InternalError("wrapped key is " + std::to_string(wrapped.size()) +
                           " bytes, not an AES-KWP-wrapped AES-256 key");
    }
    const CK_ATTRIBUTE tmpl[] = {
        Attr(CKA_CLASS, kSecretKeyClass),
        Attr(CKA_KEY_TYPE, kAesKeyType),
        Attr(CKA_TOKEN, kFalse),
        // Not CKA_PRIVATE: SoftHSM keeps a private object's value encrypted under the token
        // key and decrypts it, holding the token mutex, at every C_EncryptInit (86k vs 142k
        // GCM ops/s on one thread). A session object is only reachable from this process
        // either way; sensitive and non-extractable are what keep the material in the module.
        Attr(CKA_PRIVATE, kFalse),
        Attr(CKA_SENSITIVE, kTrue),
        Attr(CKA_EXTRACTABLE, kFalse),
        Attr(CKA_ENCRYPT, kTrue),
        Attr(CKA_DECRYPT, kTrue),
        Attr(CKA_WRAP, kFalse),
        Attr(CKA_UNWRAP, kFalse),
        Attr(CKA_SIGN, kFalse),
        Attr(CKA_VERIFY, kFalse),
        Attr(CKA_DERIVE, kFalse),
    };
    CK_MECHANISM unwrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};

    std::lock_guard lock(mu_);
    CK_OBJECT_HANDLE key;
    const CK_RV rv =
        p11_->C_UnwrapKey(session_, &unwrap, domain_key_, const_cast<CK_BYTE_PTR>(wrapped.data()),
                          wrapped.size(), const_cast<CK_ATTRIBUTE*>(tmpl), std::size(tmpl), &key);
    if (rv != CKR_OK) {
      return InternalError("C_UnwrapKey (AES-KWP) failed: " + CkrName(rv) +
                           " (not wrapped under this token's domain key?)");
    }
    keys_.insert(key);
    return KeyHandle{key};
  }

  Status DestroyKey(KeyHandle handle) override {
    std::lock_guard lock(mu_);
    // Only keys from UnwrapKey: never the domain key or another token object.
    auto it = keys_.find(handle);
    if (it == keys_.end()) return InternalError("DestroyKey: not a handle from UnwrapKey");
    const CK_RV rv = p11_->C_DestroyObject(session_, handle);
    if (rv != CKR_OK) return CallFailed("C_DestroyObject", rv);
    keys_.erase(it);
    return Status::Ok();
  }

  Result<Bytes> EncryptGcm(KeyHandle key, const uint8_t iv[kGcmIvSize], std::string_view aad,
                           std::string_view plaintext) override {
    CK_GCM_PARAMS params = GcmParams(iv, aad);
    CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
    Bytes out(plaintext.size() + kGcmTagSize);
    CK_ULONG out_len = out.size();
    CK_RV init_rv, rv = CKR_OK;
    {
      std::lock_guard lock(mu_);
      init_rv = p11_->C_EncryptInit(session_, &mech, key);
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
    {
      std::lock_guard lock(mu_);
      init_rv = p11_->C_DecryptInit(session_, &mech, key);
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

  Result<KeyProtection> Inspect(KeyHandle key) {
    CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE, token = CK_TRUE;
    CK_ATTRIBUTE query[] = {Attr(CKA_SENSITIVE, sensitive), Attr(CKA_EXTRACTABLE, extractable),
                            Attr(CKA_TOKEN, token)};
    CK_MECHANISM wrap{CKM_AES_KEY_WRAP_PAD, nullptr, 0};
    Bytes wrapped(64);
    CK_ULONG wrapped_len = wrapped.size();
    std::lock_guard lock(mu_);
    const CK_RV rv = p11_->C_GetAttributeValue(session_, key, query, std::size(query));
    if (rv != CKR_OK) return CallFailed("C_GetAttributeValue", rv);
    const CK_RV wrap_rv =
        p11_->C_WrapKey(session_, &wrap, domain_key_, key, wrapped.data(), &wrapped_len);
    return KeyProtection{sensitive == CK_TRUE, extractable == CK_TRUE, token == CK_TRUE,
                         wrap_rv != CKR_OK};
  }

  Result<size_t> CountSessionKeys() {
    // Unwrapped key versions are the session's only secret keys that can encrypt.
    const CK_ATTRIBUTE find[] = {Attr(CKA_CLASS, kSecretKeyClass), Attr(CKA_TOKEN, kFalse),
                                 Attr(CKA_ENCRYPT, kTrue)};
    std::lock_guard lock(mu_);
    CK_RV rv = p11_->C_FindObjectsInit(session_, const_cast<CK_ATTRIBUTE*>(find), std::size(find));
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

 private:
  struct TokenSlot {
    CK_SLOT_ID slot;
    bool user_pin_initialized;
  };

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
    CK_RV rv = get_list(&p11_);
    if (rv != CKR_OK) return CallFailed("C_GetFunctionList", rv);
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    rv = p11_->C_Initialize(&args);
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
    const std::pair<CK_MECHANISM_TYPE, const char*> needed[] = {
        {CKM_AES_KEY_GEN, "CKM_AES_KEY_GEN"},
        {CKM_AES_GCM, "CKM_AES_GCM"},
        {CKM_AES_KEY_WRAP_PAD, "CKM_AES_KEY_WRAP_PAD (0x210A)"},
    };
    std::string missing;
    for (const auto& [mech, name] : needed) {
      if (std::find(offered.begin(), offered.end(), mech) == offered.end()) {
        missing += missing.empty() ? name : std::string(", ") + name;
      }
    }
    if (!missing.empty()) return InternalError("the module does not offer " + missing);
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
    Result<KeyHandle> unwrapped = UnwrapKey(check);
    if (!unwrapped.ok()) {
      return InternalError(
          "the token's domain wrapping key is not the one the database's keys are wrapped "
          "under (" + unwrapped.status().message() + ")");
    }
    return DestroyKey(*unwrapped);
  }

  // Measured with SoftHSM, an unwrap under the token object took 130 us and under a session
  // copy of it 50 us (a token object is checked against its file at every use), and a cache
  // miss is mostly that unwrap. The copy stays sensitive, non-extractable and private (SoftHSM
  // refuses to copy a private object as a public one), and goes when the session closes.
  // Wrapping and unwrapping use the copy.
  Status CopyDomainKeyIntoSession() {
    const CK_ATTRIBUTE tmpl[] = {Attr(CKA_TOKEN, kFalse)};
    CK_OBJECT_HANDLE copy;
    const CK_RV rv = p11_->C_CopyObject(session_, domain_key_, const_cast<CK_ATTRIBUTE*>(tmpl),
                                        std::size(tmpl), &copy);
    if (rv != CKR_OK) return CallFailed("C_CopyObject (domain wrapping key into the session)", rv);
    domain_key_ = copy;
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
  std::string description_;

  SpinWaitMutex mu_;                           // guards every use of session_, and keys_
  std::unordered_set<CK_OBJECT_HANDLE> keys_;  // handles from UnwrapKey not yet destroyed
};

}  // namespace

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
  return p11->Inspect(key);
}

Result<size_t> CountSessionKeysForTesting(Hsm& hsm) {
  auto* p11 = dynamic_cast<Pkcs11Hsm*>(&hsm);
  if (!p11) return InternalError("not an Hsm from Hsm::Open");
  return p11->CountSessionKeys();
}

}  // namespace trent::hsm
