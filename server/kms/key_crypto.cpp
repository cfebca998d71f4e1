#include "server/kms/key_crypto.h"

#include "common/random.h"

namespace trent::kms {

Status InvalidCiphertext() {
  // AWS gives no reason, not even a message: {"__type":"InvalidCiphertextException"}.
  return {ErrorCode::kInvalidCiphertext, ""};
}

Result<std::string> KeyCrypto::Encrypt(const Key& key, std::string_view plaintext,
                                       const EncryptionContext& context) {
  const KeyVersion& version = key.current_version();
  TRY(auto pin, store_.HandleFor(key, version));
  uint8_t iv[hsm::kGcmIvSize];
  if (!FillRandom(iv, sizeof iv)) return InternalError("no randomness for the IV");
  std::string blob = MakeHeader(version.id_view(), iv);
  std::string aad = blob;
  AppendCanonicalContext(context, aad);
  TRY(Bytes sealed, store_.hsm().EncryptGcm(pin.handle(), iv, aad, plaintext));
  blob.append(AsStringView(sealed));
  return blob;
}

Result<LocatedCiphertext> KeyCrypto::Locate(std::string_view blob,
                                            std::string_view region) const {
  auto parsed = ParseCiphertext(blob);
  if (!parsed) return InvalidCiphertext();
  KeyPtr key = store_.FindByVersion(parsed->version_id);
  if (!key || key->region != region) return InvalidCiphertext();
  const KeyVersion* version = key->FindVersion(parsed->version_id);
  if (!version) return InvalidCiphertext();
  return LocatedCiphertext{std::move(key), version, *parsed};
}

Result<SecretBytes> KeyCrypto::Open(const LocatedCiphertext& located,
                                    const EncryptionContext& context) {
  auto pin = store_.HandleFor(*located.key, *located.version);
  // The key was deleted since Locate found it: answer as Locate would have.
  if (!pin.ok() && pin.status().code() == ErrorCode::kNotFound) return InvalidCiphertext();
  TRY_STATUS(pin.status());
  std::string aad(located.parsed.header);
  AppendCanonicalContext(context, aad);
  auto plaintext =
      store_.hsm().DecryptGcm(pin->handle(), located.parsed.iv, aad, located.parsed.sealed);
  if (!plaintext.ok() && plaintext.status().code() == ErrorCode::kInvalidCiphertext) {
    return InvalidCiphertext();
  }
  return plaintext;
}

}  // namespace trent::kms
