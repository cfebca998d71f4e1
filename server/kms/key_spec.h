// What each KMS key spec is and supports: one row per KeySpec (Vault transit's key types), and
// one row per algorithm. Adding a key spec means adding a row here (and a KeyKind in hsm/ when
// it needs new material); no other code names key specs or algorithms.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "hsm/hsm.h"

namespace trent::kms {

// The KeySpec and the EncryptionAlgorithm of symmetric encryption keys.
inline constexpr const char* kSymmetricDefault = "SYMMETRIC_DEFAULT";

// AWS's KeyUsage values.
inline constexpr const char* kEncryptDecrypt = "ENCRYPT_DECRYPT";
inline constexpr const char* kSignVerify = "SIGN_VERIFY";
inline constexpr const char* kGenerateVerifyMac = "GENERATE_VERIFY_MAC";
inline constexpr const char* kKeyAgreement = "KEY_AGREEMENT";

// AWS's MessageType values for Sign and Verify.
inline constexpr std::string_view kRawMessage = "RAW";
inline constexpr std::string_view kDigestMessage = "DIGEST";

// The hash functions of the algorithms.
enum class Hash { kSha1, kSha224, kSha256, kSha384, kSha512 };
size_t DigestSize(Hash hash);

// A SigningAlgorithmSpec: how the message (RAW) or its digest (DIGEST) becomes what the HSM
// signs.
struct SigningAlgorithm {
  std::string_view name;          // "RSASSA_PSS_SHA_256"
  // How the HSM signs; nullopt: trent cannot (`unsupported` says why).
  std::optional<hsm::SignScheme> scheme;
  Hash hash;                      // of the message, for RAW; the DIGEST's length is its size
  bool accepts_raw;               // MessageType RAW allowed
  bool accepts_digest;            // MessageType DIGEST allowed
  bool hsm_hashes_raw;            // RAW: the HSM takes the whole message (pure Ed25519)
  std::string_view unsupported = {};
};

// An EncryptionAlgorithmSpec of an RSA key (SYMMETRIC_DEFAULT is the symmetric keys' own).
struct EncryptionAlgorithm {
  std::string_view name;          // "RSAES_OAEP_SHA_256"
  hsm::OaepHash oaep;
  Hash hash;
};

// A MacAlgorithmSpec.
struct MacAlgorithm {
  std::string_view name;          // "HMAC_SHA_256"
  hsm::MacHash hash;
  size_t mac_size;
};

// A KeySpec.
struct KeySpecTraits {
  std::string_view name;          // "ECC_NIST_P256"
  // The material the HSM holds for it; nullopt: trent cannot make such keys (see unsupported).
  std::optional<hsm::KeyKind> kind;
  // For a spec without a kind: why not, and the PKCS#11 mechanisms it would need (none for
  // SM2, which the standard lacks).
  std::string_view unsupported;
  std::span<const std::string_view> mechanisms;
  std::span<const std::string_view> usages;  // the KeyUsage values AWS allows, first = default
  std::span<const std::string_view> encryption_algorithms;   // with ENCRYPT_DECRYPT
  std::span<const std::string_view> signing_algorithms;      // with SIGN_VERIFY
  std::span<const std::string_view> mac_algorithms;          // with GENERATE_VERIFY_MAC
  std::span<const std::string_view> key_agreement_algorithms;  // with KEY_AGREEMENT
  size_t rsa_modulus_bytes = 0;   // RSA keys only
  // The uncompressed point (0x04 || x || y) size of an EC key's curve; 0 for other keys.
  size_t ec_point_size = 0;
  // Whether the deprecated CustomerMasterKeySpec names it too (specs newer than it do not).
  bool customer_master_key_spec = true;

  bool symmetric() const;         // SYMMETRIC_DEFAULT
  bool allows(std::string_view usage) const;
  // Whether making such a key takes the HSM long: an RSA key pair, from tenths of a second
  // (RSA_2048) to seconds (RSA_4096) in SoftHSM.
  bool slow_to_make() const { return rsa_modulus_bytes != 0; }
};

// nullptr for a name that is no KeySpec.
const KeySpecTraits* FindKeySpec(std::string_view name);
// The traits of a stored key's spec (always known: only known specs are ever created).
const KeySpecTraits& SpecOf(std::string_view key_spec);

// nullptr for names that are not algorithms of that kind.
const SigningAlgorithm* FindSigningAlgorithm(std::string_view name);
const EncryptionAlgorithm* FindEncryptionAlgorithm(std::string_view name);
const MacAlgorithm* FindMacAlgorithm(std::string_view name);

// The algorithms a key of `spec` and `usage` offers, as DescribeKey lists them (empty for the
// other usages).
std::span<const std::string_view> EncryptionAlgorithmsOf(const KeySpecTraits& spec,
                                                         std::string_view usage);
std::span<const std::string_view> SigningAlgorithmsOf(const KeySpecTraits& spec,
                                                      std::string_view usage);
std::span<const std::string_view> MacAlgorithmsOf(const KeySpecTraits& spec,
                                                  std::string_view usage);
std::span<const std::string_view> KeyAgreementAlgorithmsOf(const KeySpecTraits& spec,
                                                           std::string_view usage);

// A DataKeyPairSpec: a key pair GenerateDataKeyPair makes for the caller in software
// (OpenSSL): the caller gets its private key, so it never is an HSM key.
struct DataKeyPairSpec {
  std::string_view name;          // "ECC_NIST_P256"
  std::string_view openssl_type;  // the EVP key type: "RSA", "EC" or "ED25519"
  unsigned rsa_bits = 0;          // RSA only
  std::string_view curve;         // EC only: OpenSSL's group name
  // Non-empty when trent cannot make such pairs: why.
  std::string_view unsupported = {};
};

// nullptr for a name that is no DataKeyPairSpec trent knows.
const DataKeyPairSpec* FindDataKeyPairSpec(std::string_view name);

// The largest plaintext an RSA key of `spec` encrypts with `algorithm` (RSAES-OAEP: the
// modulus size less twice the hash size less 2).
size_t MaxOaepPlaintext(const KeySpecTraits& spec, const EncryptionAlgorithm& algorithm);

}  // namespace trent::kms
