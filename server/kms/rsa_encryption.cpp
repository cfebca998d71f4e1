#include "server/kms/rsa_encryption.h"

#include <string>

#include "server/kms/key_crypto.h"

namespace trent::kms {

Status CheckOaepPlaintextSize(const Key& key, const EncryptionAlgorithm& algorithm,
                              size_t plaintext_size) {
  const size_t limit = MaxOaepPlaintext(SpecOf(key.key_spec), algorithm);
  if (plaintext_size > limit) {
    return ValidationError("Algorithm " + std::string(algorithm.name) + " and key spec " +
                           key.key_spec + " cannot encrypt data larger than " +
                           std::to_string(limit) + " bytes.");
  }
  return Status::Ok();
}

Result<Bytes> RsaEncrypt(KeyStore& store, const Key& key, const EncryptionAlgorithm& algorithm,
                         std::string_view plaintext) {
  TRY_STATUS(CheckOaepPlaintextSize(key, algorithm, plaintext.size()));
  TRY(auto pin, store.HandleFor(key, key.current_version()));
  return store.hsm().EncryptOaep(pin.handle(), algorithm.oaep, plaintext);
}

Result<SecretBytes> RsaDecrypt(KeyStore& store, const Key& key,
                               const EncryptionAlgorithm& algorithm, std::string_view ciphertext) {
  TRY(auto pin, store.HandleFor(key, key.current_version()));
  auto plaintext = store.hsm().DecryptOaep(pin.handle(), algorithm.oaep, ciphertext);
  if (!plaintext.ok() && (plaintext.status().code() == ErrorCode::kInvalidCiphertext ||
                          plaintext.status().code() == ErrorCode::kValidation)) {
    return InvalidCiphertext();
  }
  return plaintext;
}

}  // namespace trent::kms
