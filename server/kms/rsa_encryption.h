// RSAES-OAEP with a KMS key's RSA key pair, inside the HSM. The ciphertext is the raw OAEP
// ciphertext (the modulus size), as AWS returns it: anyone may make one with the public key
// (GetPublicKey), and Decrypt takes it with the key id and the algorithm.
#pragma once

#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "server/kms/key.h"
#include "server/kms/key_spec.h"
#include "server/kms/key_store.h"

namespace trent::kms {

// ValidationException "Algorithm <ALG> and key spec <SPEC> cannot encrypt data larger than <N>
// bytes." (AWS's words) when `plaintext` is longer than the key and algorithm take.
Status CheckOaepPlaintextSize(const Key& key, const EncryptionAlgorithm& algorithm,
                              size_t plaintext_size);

// Encrypts with the public key of `key`'s (only) version; the plaintext size is checked first.
Result<Bytes> RsaEncrypt(KeyStore& store, const Key& key, const EncryptionAlgorithm& algorithm,
                         std::string_view plaintext);

// Decrypts with its private key. A ciphertext that does not decrypt (another key, another
// algorithm, altered, of another length) is InvalidCiphertextException without a message.
Result<SecretBytes> RsaDecrypt(KeyStore& store, const Key& key,
                               const EncryptionAlgorithm& algorithm, std::string_view ciphertext);

}  // namespace trent::kms
