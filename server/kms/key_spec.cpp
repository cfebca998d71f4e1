#include "server/kms/key_spec.h"

#include <algorithm>
#include <array>

namespace trent::kms {
namespace {

using hsm::KeyKind;
using hsm::MacHash;
using hsm::OaepHash;
using hsm::SignScheme;
using sv = std::string_view;

constexpr SigningAlgorithm kSigningAlgorithms[] = {
    {"RSASSA_PSS_SHA_256", SignScheme::kRsaPssSha256, Hash::kSha256, true, true, false},
    {"RSASSA_PSS_SHA_384", SignScheme::kRsaPssSha384, Hash::kSha384, true, true, false},
    {"RSASSA_PSS_SHA_512", SignScheme::kRsaPssSha512, Hash::kSha512, true, true, false},
    {"RSASSA_PKCS1_V1_5_SHA_256", SignScheme::kRsaPkcs1, Hash::kSha256, true, true, false},
    {"RSASSA_PKCS1_V1_5_SHA_384", SignScheme::kRsaPkcs1, Hash::kSha384, true, true, false},
    {"RSASSA_PKCS1_V1_5_SHA_512", SignScheme::kRsaPkcs1, Hash::kSha512, true, true, false},
    {"ECDSA_SHA_256", SignScheme::kEcdsa, Hash::kSha256, true, true, false},
    {"ECDSA_SHA_384", SignScheme::kEcdsa, Hash::kSha384, true, true, false},
    {"ECDSA_SHA_512", SignScheme::kEcdsa, Hash::kSha512, true, true, false},
    // Pure Ed25519 signs the message itself: AWS takes it RAW only.
    {"ED25519_SHA_512", SignScheme::kEd25519, Hash::kSha512, true, false, true},
    // Ed25519ph (RFC 8032's prehashed variant) is CKM_EDDSA with CK_EDDSA_PARAMS.phFlag set;
    // pure Ed25519 cannot stand in for it (the two sign different bytes).
    // AWS takes its message only as the SHA-512 DIGEST.
    {"ED25519_PH_SHA_512", std::nullopt, Hash::kSha512, false, true, false,
     "ED25519_PH_SHA_512 (Ed25519ph) needs CKM_EDDSA with CK_EDDSA_PARAMS.phFlag, which the "
     "configured PKCS#11 module does not offer."},
};

constexpr EncryptionAlgorithm kEncryptionAlgorithms[] = {
    {"RSAES_OAEP_SHA_1", OaepHash::kSha1, Hash::kSha1},
    {"RSAES_OAEP_SHA_256", OaepHash::kSha256, Hash::kSha256},
};

constexpr MacAlgorithm kMacAlgorithms[] = {
    {"HMAC_SHA_224", MacHash::kSha224, 28},
    {"HMAC_SHA_256", MacHash::kSha256, 32},
    {"HMAC_SHA_384", MacHash::kSha384, 48},
    {"HMAC_SHA_512", MacHash::kSha512, 64},
};

constexpr DataKeyPairSpec kDataKeyPairSpecs[] = {
    {"RSA_2048", "RSA", 2048, ""},
    {"RSA_3072", "RSA", 3072, ""},
    {"RSA_4096", "RSA", 4096, ""},
    {"ECC_NIST_P256", "EC", 0, "P-256"},
    {"ECC_NIST_P384", "EC", 0, "P-384"},
    {"ECC_NIST_P521", "EC", 0, "P-521"},
    {"ECC_SECG_P256K1", "EC", 0, "secp256k1"},
    {"ECC_NIST_EDWARDS25519", "ED25519", 0, ""},
    // AWS offers SM2 only in its China regions.
    {"SM2", "", 0, "", "trent does not generate SM2 data key pairs (AWS offers SM2 only in the "
                       "China Regions)."},
};

// The lists DescribeKey shows, in AWS's order.
constexpr sv kEncryptDecryptOnly[] = {kEncryptDecrypt};
constexpr sv kRsaUsages[] = {kEncryptDecrypt, kSignVerify};
constexpr sv kNistCurveUsages[] = {kSignVerify, kKeyAgreement};
constexpr sv kSignVerifyOnly[] = {kSignVerify};
constexpr sv kMacOnly[] = {kGenerateVerifyMac};
constexpr sv kSm2Usages[] = {kEncryptDecrypt, kSignVerify, kKeyAgreement};

constexpr sv kSymmetricAlgorithms[] = {kSymmetricDefault};
constexpr sv kRsaEncryption[] = {"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"};
constexpr sv kRsaSigning[] = {"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
                              "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256",
                              "RSASSA_PSS_SHA_384",        "RSASSA_PSS_SHA_512"};
constexpr sv kEcdsaSha256[] = {"ECDSA_SHA_256"};
constexpr sv kEcdsaSha384[] = {"ECDSA_SHA_384"};
constexpr sv kEcdsaSha512[] = {"ECDSA_SHA_512"};
constexpr sv kEd25519Signing[] = {"ED25519_SHA_512", "ED25519_PH_SHA_512"};
constexpr sv kEcdh[] = {"ECDH"};
constexpr sv kHmacSha224[] = {"HMAC_SHA_224"};
constexpr sv kHmacSha256[] = {"HMAC_SHA_256"};
constexpr sv kHmacSha384[] = {"HMAC_SHA_384"};
constexpr sv kHmacSha512[] = {"HMAC_SHA_512"};
constexpr sv kSm2Encryption[] = {"SM2PKE"};
constexpr sv kSm2Signing[] = {"SM2DSA"};
constexpr sv kMlDsaSigning[] = {"ML_DSA_SHAKE_256"};

constexpr std::span<const sv> kNone;

constexpr char kNoSm2[] =
    "SM2 is not part of the PKCS#11 standard, and trent knows no PKCS#11 mechanism for it.";
constexpr char kNoMlDsa[] = "trent does not implement ML-DSA keys yet.";
constexpr sv kMlDsaMechanisms[] = {"CKM_ML_DSA_KEY_PAIR_GEN", "CKM_ML_DSA"};

KeySpecTraits Rsa(sv name, KeyKind kind, size_t modulus_bytes) {
  return {name,  kind,           "",          kNone, kRsaUsages, kRsaEncryption,
          kRsaSigning, kNone, kNone, modulus_bytes};
}
KeySpecTraits NistCurve(sv name, KeyKind kind, std::span<const sv> ecdsa, size_t point_size) {
  return {name, kind, "", kNone, kNistCurveUsages, kNone, ecdsa, kNone, kEcdh, 0, point_size};
}
KeySpecTraits Hmac(sv name, KeyKind kind, std::span<const sv> mac) {
  return {name, kind, "", kNone, kMacOnly, kNone, kNone, mac, kNone};
}
KeySpecTraits MlDsa(sv name) {
  return {name,          std::nullopt, kNoMlDsa, kMlDsaMechanisms, kSignVerifyOnly, kNone,
          kMlDsaSigning, kNone,        kNone,    0,                0,               false};
}

const std::array<KeySpecTraits, 17>& KeySpecs() {
  static const std::array<KeySpecTraits, 17> specs = {
      KeySpecTraits{kSymmetricDefault, KeyKind::kAes256, "", kNone, kEncryptDecryptOnly,
                    kSymmetricAlgorithms, kNone, kNone, kNone},
      Rsa("RSA_2048", KeyKind::kRsa2048, 256),
      Rsa("RSA_3072", KeyKind::kRsa3072, 384),
      Rsa("RSA_4096", KeyKind::kRsa4096, 512),
      // Uncompressed points: 1 + 2 x the field size (32, 48 and 66 bytes).
      NistCurve("ECC_NIST_P256", KeyKind::kEcP256, kEcdsaSha256, 65),
      NistCurve("ECC_NIST_P384", KeyKind::kEcP384, kEcdsaSha384, 97),
      NistCurve("ECC_NIST_P521", KeyKind::kEcP521, kEcdsaSha512, 133),
      // AWS offers ECDH only on the NIST curves (and SM2).
      KeySpecTraits{"ECC_SECG_P256K1", KeyKind::kEcSecp256k1, "", kNone, kSignVerifyOnly,
                    kNone, kEcdsaSha256, kNone, kNone, 0, 65},
      KeySpecTraits{"ECC_NIST_EDWARDS25519", KeyKind::kEd25519, "", kNone, kSignVerifyOnly,
                    kNone, kEd25519Signing, kNone, kNone, 0, 0, false},
      Hmac("HMAC_224", KeyKind::kHmac224, kHmacSha224),
      Hmac("HMAC_256", KeyKind::kHmac256, kHmacSha256),
      Hmac("HMAC_384", KeyKind::kHmac384, kHmacSha384),
      Hmac("HMAC_512", KeyKind::kHmac512, kHmacSha512),
      KeySpecTraits{"SM2", std::nullopt, kNoSm2, kNone, kSm2Usages, kSm2Encryption, kSm2Signing,
                    kNone, kEcdh},
      MlDsa("ML_DSA_44"),
      MlDsa("ML_DSA_65"),
      MlDsa("ML_DSA_87"),
  };
  return specs;
}

template <typename Row, size_t N>
const Row* FindByName(const Row (&rows)[N], std::string_view name) {
  for (const Row& row : rows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

std::span<const sv> IfUsage(const KeySpecTraits& spec, std::string_view usage,
                            std::string_view wanted, std::span<const sv> list) {
  return usage == wanted && spec.allows(usage) ? list : kNone;
}

}  // namespace

size_t DigestSize(Hash hash) {
  switch (hash) {
    case Hash::kSha1: return 20;
    case Hash::kSha224: return 28;
    case Hash::kSha256: return 32;
    case Hash::kSha384: return 48;
    case Hash::kSha512: return 64;
  }
  return 0;
}

bool KeySpecTraits::symmetric() const { return name == kSymmetricDefault; }

bool KeySpecTraits::allows(std::string_view usage) const {
  return std::find(usages.begin(), usages.end(), usage) != usages.end();
}

const KeySpecTraits* FindKeySpec(std::string_view name) {
  for (const KeySpecTraits& spec : KeySpecs()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const KeySpecTraits& SpecOf(std::string_view key_spec) {
  const KeySpecTraits* spec = FindKeySpec(key_spec);
  return spec ? *spec : KeySpecs().front();
}

const SigningAlgorithm* FindSigningAlgorithm(std::string_view name) {
  return FindByName(kSigningAlgorithms, name);
}
const EncryptionAlgorithm* FindEncryptionAlgorithm(std::string_view name) {
  return FindByName(kEncryptionAlgorithms, name);
}
const MacAlgorithm* FindMacAlgorithm(std::string_view name) {
  return FindByName(kMacAlgorithms, name);
}

const DataKeyPairSpec* FindDataKeyPairSpec(std::string_view name) {
  return FindByName(kDataKeyPairSpecs, name);
}

std::span<const sv> EncryptionAlgorithmsOf(const KeySpecTraits& spec, std::string_view usage) {
  return IfUsage(spec, usage, kEncryptDecrypt, spec.encryption_algorithms);
}
std::span<const sv> SigningAlgorithmsOf(const KeySpecTraits& spec, std::string_view usage) {
  return IfUsage(spec, usage, kSignVerify, spec.signing_algorithms);
}
std::span<const sv> MacAlgorithmsOf(const KeySpecTraits& spec, std::string_view usage) {
  return IfUsage(spec, usage, kGenerateVerifyMac, spec.mac_algorithms);
}
std::span<const sv> KeyAgreementAlgorithmsOf(const KeySpecTraits& spec, std::string_view usage) {
  return IfUsage(spec, usage, kKeyAgreement, spec.key_agreement_algorithms);
}

size_t MaxOaepPlaintext(const KeySpecTraits& spec, const EncryptionAlgorithm& algorithm) {
  return spec.rsa_modulus_bytes - 2 * DigestSize(algorithm.hash) - 2;
}

}  // namespace trent::kms
