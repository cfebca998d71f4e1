#include "server/ops/encryption.h"

#include "server/kms/rsa_encryption.h"

namespace trent::ops {
namespace {

// AWS's answer to an encryption context with an asymmetric key. Not from an AWS recording:
// the same words are asserted by two emulators that compare themselves with AWS (floci's
// KmsService tests, and a Go one), and the API reference says the encryption context "is valid
// only for cryptographic operations with a symmetric encryption KMS key".
Status RefuseAsymmetricContext(const Input& in, std::string_view member) {
  if (!GetContext(in, member).empty()) {
    return ValidationError(
        "EncryptionContext is not supported when encrypting/decrypting with asymmetric CMKs.");
  }
  return Status::Ok();
}

}  // namespace

Result<Cipher> ChooseCipher(const kms::Key& key, const Input& in, const CipherMembers& members) {
  const std::string_view algorithm =
      GetString(in, members.algorithm).value_or(kms::kSymmetricDefault);
  const kms::KeySpecTraits& spec = kms::SpecOf(key.key_spec);
  TRY_STATUS(RequireAlgorithm(key, kms::EncryptionAlgorithmsOf(spec, key.key_usage), algorithm));
  Cipher cipher{algorithm, nullptr};
  if (spec.symmetric()) return cipher;
  cipher.rsa = kms::FindEncryptionAlgorithm(algorithm);
  // Offered but not in the algorithm table (SM2PKE): trent makes no such keys.
  if (!cipher.rsa) return IncompatibleAlgorithm(key, algorithm);
  TRY_STATUS(RefuseAsymmetricContext(in, members.context));
  return cipher;
}

Result<std::string> Seal(const kms::Key& key, const Cipher& cipher, std::string_view plaintext,
                         const Input& in, const CipherMembers& members, Services& s) {
  if (!cipher.rsa) return s.crypto.Encrypt(key, plaintext, GetContext(in, members.context));
  TRY(Bytes sealed, kms::RsaEncrypt(s.keys, key, *cipher.rsa, plaintext));
  return std::string(AsStringView(sealed));
}

Result<Source> LocateSource(const Call& call, const Input& in, const SourceMembers& members,
                            Services& s) {
  auto key_ref = GetString(in, members.key);
  auto algorithm = GetString(in, members.cipher.algorithm);
  Source source;
  if (key_ref && algorithm && *algorithm != kms::kSymmetricDefault) {
    TRY(source.key, ResolveKey(call, *key_ref, s, members.action));
  } else {
    TRY(kms::LocatedCiphertext located,
        LocateCiphertext(call, in, members.key, members.action, s));
    source.key = located.key;
    source.version = located.version;
    source.located = std::move(located);
  }
  TRY_STATUS(RequireEncryptDecrypt(*source.key, members.operation));
  TRY(source.cipher, ChooseCipher(*source.key, in, members.cipher));
  return source;
}

Result<SecretBytes> OpenSource(const Source& source, const Input& in,
                               const SourceMembers& members, Services& s) {
  if (source.located) return s.crypto.Open(*source.located, GetContext(in, members.cipher.context));
  auto blob = GetString(in, "CiphertextBlob");
  if (!blob) return MissingMember("ciphertextBlob");
  return kms::RsaDecrypt(s.keys, *source.key, *source.cipher.rsa, *blob);
}

}  // namespace trent::ops
