// Encrypt, Decrypt and ReEncrypt with either kind of ENCRYPT_DECRYPT key: a symmetric key
// (trent's own ciphertext format, see kms::KeyCrypto) or an RSA key pair (raw RSAES-OAEP, see
// kms/rsa_encryption.h). The key spec table (kms::SpecOf, kms::FindEncryptionAlgorithm)
// decides which; the handlers only name their members.
#pragma once

#include <optional>
#include <string_view>

#include "server/kms/key_spec.h"
#include "server/ops/shared.h"

namespace trent::ops {

// The EncryptionAlgorithm a request names for a key, checked against it.
struct Cipher {
  std::string_view algorithm;                        // as the response echoes it
  const kms::EncryptionAlgorithm* rsa = nullptr;     // nullptr: SYMMETRIC_DEFAULT
};

// The request members of one side of an operation.
struct CipherMembers {
  std::string_view algorithm;   // "EncryptionAlgorithm", "DestinationEncryptionAlgorithm", ...
  std::string_view context;     // "EncryptionContext", "DestinationEncryptionContext", ...
};

// The algorithm in `members.algorithm` (absent: SYMMETRIC_DEFAULT, as AWS defaults it) must be
// one the key offers (InvalidKeyUsageException "Algorithm X is incompatible with key spec Y.");
// an RSA key takes no encryption context (ValidationException, see encryption.cpp).
// Call after RequireEncryptDecrypt.
Result<Cipher> ChooseCipher(const kms::Key& key, const Input& in, const CipherMembers& members);

// Encrypts under `key` with `cipher`: trent's symmetric blob (with the request's context), or
// the raw OAEP ciphertext (the plaintext size checked against the key and algorithm).
Result<std::string> Seal(const kms::Key& key, const Cipher& cipher, std::string_view plaintext,
                         const Input& in, const CipherMembers& members, Services& s);

// The source of Decrypt and ReEncrypt: which key the ciphertext is for and how to open it.
struct Source {
  kms::KeyPtr key;
  Cipher cipher;
  const kms::KeyVersion* version = nullptr;          // symmetric: the version it names
  std::optional<kms::LocatedCiphertext> located;     // symmetric only
};

struct SourceMembers {
  std::string_view key;         // "KeyId", "SourceKeyId"
  CipherMembers cipher;
  std::string_view operation;   // "Decrypt", "ReEncrypt": named in key usage errors
  std::string_view action;      // authorized on the source key: "kms:Decrypt", "kms:ReEncryptFrom"
};

// An RSA algorithm needs the key named (an RSA ciphertext does not say whose it is); anything
// else is read as trent's symmetric blob, which names its key (and must be the one named, if
// any), as AWS does: an RSA ciphertext without an RSA algorithm is InvalidCiphertextException.
// Checks the key's usage, state and algorithm.
Result<Source> LocateSource(const Call& call, const Input& in, const SourceMembers& members,
                            Services& s);

// Decrypts a located source (InvalidCiphertextException without a message when it does not).
Result<SecretBytes> OpenSource(const Source& source, const Input& in,
                               const SourceMembers& members, Services& s);

}  // namespace trent::ops
