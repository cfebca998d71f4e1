// Symmetric encryption under a key's versions, inside the HSM, in trent's ciphertext format.
#pragma once

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "server/kms/ciphertext.h"
#include "server/kms/key.h"
#include "server/kms/key_store.h"

namespace trent::kms {

// Where a ciphertext blob comes from, before it is opened.
struct LocatedCiphertext {
  KeyPtr key;
  const KeyVersion* version = nullptr;
  ParsedCiphertext parsed;
};

class KeyCrypto {
 public:
  explicit KeyCrypto(KeyStore& store) : store_(store) {}

  // Encrypts under the key's current version; returns the ciphertext blob.
  Result<std::string> Encrypt(const Key& key, std::string_view plaintext,
                              const EncryptionContext& context);

  // Finds the key (of the request's region, any account: whether the caller may use it is
  // the key policy's decision) a blob was made with. InvalidCiphertextException when the blob
  // is malformed or names no such key.
  Result<LocatedCiphertext> Locate(std::string_view blob, std::string_view region) const;

  // Authenticates and decrypts a located blob. Any mismatch: InvalidCiphertextException.
  Result<SecretBytes> Open(const LocatedCiphertext& located, const EncryptionContext& context);

  // Random bytes from the HSM.
  Result<SecretBytes> Random(size_t n) { return store_.hsm().GenerateRandom(n); }

 private:
  KeyStore& store_;
};

// InvalidCiphertextException, without a message as AWS answers it.
Status InvalidCiphertext();

}  // namespace trent::kms
