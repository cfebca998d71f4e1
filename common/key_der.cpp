#include "common/key_der.h"

#include <openssl/ec.h>
#include <openssl/objects.h>

#include <algorithm>

#include "common/der.h"

namespace trent::der {
namespace {

constexpr size_t kEd25519Bytes = 32;

// The encoded content of an OBJECT IDENTIFIER OpenSSL knows; its built-in objects are static.
ByteSpan OidContent(int nid) {
  const ASN1_OBJECT* object = OBJ_nid2obj(nid);
  if (object == nullptr) return {};
  return {OBJ_get0_data(object), static_cast<size_t>(OBJ_length(object))};
}

Result<ByteSpan> CurveOid(const std::string& group) {
  int nid = OBJ_sn2nid(group.c_str());
  if (nid == NID_undef) nid = EC_curve_nist2nid(group.c_str());
  ByteSpan oid = nid == NID_undef ? ByteSpan() : OidContent(nid);
  if (oid.empty()) return InternalError("no object identifier for the curve " + group);
  return oid;
}

Value RsaAlgorithm() {
  return Sequence({ObjectIdentifier(OidContent(NID_rsaEncryption)), Null()});
}

Value EcAlgorithm(ByteSpan curve_oid) {
  return Sequence(
      {ObjectIdentifier(OidContent(NID_X9_62_id_ecPublicKey)), ObjectIdentifier(curve_oid)});
}

Value Ed25519Algorithm() { return Sequence({ObjectIdentifier(OidContent(NID_ED25519))}); }

// PrivateKeyInfo: version 0, the algorithm, the private key's own encoding as an OCTET STRING.
SecretBytes PrivateKeyInfo(Value algorithm, Value private_key) {
  return Sequence({SmallInteger(0), std::move(algorithm), OctetStringOf(std::move(private_key))})
      .EncodeSecret();
}

Status RequireEd25519Size(ByteSpan bytes) {
  if (bytes.size() == kEd25519Bytes) return Status::Ok();
  return InternalError("an Ed25519 key has " + std::to_string(kEd25519Bytes) + " bytes, not " +
                       std::to_string(bytes.size()));
}

}  // namespace

Result<Bytes> RsaSpki(ByteSpan modulus, ByteSpan public_exponent) {
  return Sequence({RsaAlgorithm(),
                   BitStringOf(Sequence({Integer(modulus), Integer(public_exponent)}))})
      .Encode();
}

Result<Bytes> EcSpki(const std::string& group, ByteSpan point) {
  TRY(ByteSpan curve, CurveOid(group));
  return Sequence({EcAlgorithm(curve), BitString(point)}).Encode();
}

Result<Bytes> Ed25519Spki(ByteSpan point) {
  TRY_STATUS(RequireEd25519Size(point));
  return Sequence({Ed25519Algorithm(), BitString(point)}).Encode();
}

Result<SecretBytes> RsaPkcs8(const RsaPrivateNumbers& n) {
  return PrivateKeyInfo(
      RsaAlgorithm(),
      Sequence({SmallInteger(0), Integer(n.modulus), Integer(n.public_exponent),
                Integer(n.private_exponent), Integer(n.prime1), Integer(n.prime2),
                Integer(n.exponent1), Integer(n.exponent2), Integer(n.coefficient)}));
}

Result<SecretBytes> EcPkcs8(const std::string& group, ByteSpan scalar, ByteSpan point) {
  TRY(ByteSpan curve, CurveOid(group));
  // ECPrivateKey (RFC 5915) without its parameters, which the algorithm names already.
  return PrivateKeyInfo(EcAlgorithm(curve),
                        Sequence({SmallInteger(1), OctetString(scalar),
                                  Explicit(1, BitString(point))}));
}

Result<SecretBytes> Ed25519Pkcs8(ByteSpan seed) {
  TRY_STATUS(RequireEd25519Size(seed));
  // CurvePrivateKey (RFC 8410 7): an OCTET STRING of the key, inside PrivateKeyInfo's.
  return PrivateKeyInfo(Ed25519Algorithm(), OctetString(seed));
}

std::optional<EcSpkiParts> ReadEcSpki(ByteSpan der) {
  Reader whole(der);
  std::optional<ByteSpan> spki = whole.Next(kSequence);
  if (!spki || !whole.done()) return std::nullopt;
  Reader members(*spki);
  std::optional<ByteSpan> algorithm = members.Next(kSequence);
  std::optional<ByteSpan> key = members.Next(kBitString);
  if (!algorithm || !key || !members.done()) return std::nullopt;
  Reader identifier(*algorithm);
  std::optional<ByteSpan> type = identifier.Next(kObjectIdentifier);
  std::optional<ByteSpan> curve = identifier.Next(kObjectIdentifier);
  if (!type || !curve || !identifier.done() ||
      !std::ranges::equal(*type, OidContent(NID_X9_62_id_ecPublicKey))) {
    return std::nullopt;
  }
  if (key->size() < 2 || (*key)[0] != 0) return std::nullopt;  // unused bits, then the point
  return EcSpkiParts{*curve, key->subspan(1)};
}

}  // namespace trent::der
