// The key pairs GenerateDataKeyPair returns. They are made in software (OpenSSL), not in the
// HSM: like GenerateDataKey's plaintext key, the private key goes to the caller (and its copy
// encrypted under a symmetric KMS key, see KeyCrypto::Encrypt), so it never is an HSM key.
#pragma once

#include "common/bytes.h"
#include "common/status.h"
#include "server/kms/key_spec.h"

namespace trent::kms {

struct DataKeyPair {
  SecretBytes private_key;  // DER PKCS#8 PrivateKeyInfo (RFC 5958), wiped when dropped
  Bytes public_key;         // DER X.509 SubjectPublicKeyInfo (RFC 5280)
};

// A new key pair of `spec` from OpenSSL's generator. A spec with `unsupported` set is
// UnsupportedOperationException saying why.
Result<DataKeyPair> GenerateDataKeyPair(const DataKeyPairSpec& spec);

}  // namespace trent::kms
