#include "common/key_der.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <vector>

#include "common/der.h"
#include "common/openssl_ptr.h"

namespace trent::der {
namespace {

constexpr size_t kEd25519Bytes = 32;

// The encoded content of an OBJECT IDENTIFIER OpenSSL knows; its built-in objects are static.
ByteSpan OidContent(int nid) {
  const ASN1_OBJECT* object = OBJ_nid2obj(nid);
  if (object == nullptr) return {};
  return {OBJ_get0_data(object), static_cast<size_t>(OBJ_length(object))};
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

namespace {

// A SubjectPublicKeyInfo of the algorithm `algorithm_nid`, taken apart: a reader of the
// algorithm's parameters, and the key (the BIT STRING's content after its unused-bits byte).
struct Spki {
  Reader parameters;
  ByteSpan key;
};

std::optional<Spki> ReadSpki(ByteSpan der, int algorithm_nid) {
  Reader whole(der);
  std::optional<ByteSpan> spki = whole.Next(kSequence);
  if (!spki || !whole.done()) return std::nullopt;
  Reader members(*spki);
  std::optional<ByteSpan> algorithm = members.Next(kSequence);
  std::optional<ByteSpan> key = members.Next(kBitString);
  if (!algorithm || !key || !members.done()) return std::nullopt;
  Reader identifier(*algorithm);
  std::optional<ByteSpan> type = identifier.Next(kObjectIdentifier);
  if (!type || !std::ranges::equal(*type, OidContent(algorithm_nid))) return std::nullopt;
  if (key->empty() || (*key)[0] != 0) return std::nullopt;  // unused bits
  return Spki{identifier, key->subspan(1)};
}

// A positive INTEGER's magnitude, in its shortest form (DER), without the sign byte.
std::optional<ByteSpan> PositiveInteger(Reader& in) {
  std::optional<ByteSpan> n = in.Next(kInteger);
  if (!n || n->empty() || ((*n)[0] & 0x80) != 0) return std::nullopt;
  if ((*n)[0] != 0) return n;
  if (n->size() < 2 || ((*n)[1] & 0x80) == 0) return std::nullopt;  // zero, or not minimal
  return n->subspan(1);
}

// OpenSSL's group of each curve KMS keys use, made once and only read after (and never freed:
// OpenSSL may be cleaned up before static destructors run).
struct Curve {
  ByteSpan oid;
  openssl::EcGroupPtr group;
};

const std::vector<Curve>& KmsCurves() {
  static const std::vector<Curve>* curves = [] {
    auto* made = new std::vector<Curve>;
    for (int nid : {NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1, NID_secp256k1}) {
      made->push_back({OidContent(nid), openssl::EcGroupPtr(EC_GROUP_new_by_curve_name(nid))});
    }
    return made;
  }();
  return *curves;
}

}  // namespace

std::optional<EcSpkiParts> ReadEcSpki(ByteSpan der) {
  std::optional<Spki> spki = ReadSpki(der, NID_X9_62_id_ecPublicKey);
  if (!spki) return std::nullopt;
  std::optional<ByteSpan> curve = spki->parameters.Next(kObjectIdentifier);
  if (!curve || !spki->parameters.done() || spki->key.empty()) return std::nullopt;
  return EcSpkiParts{*curve, spki->key};
}

std::optional<RsaPublicNumbers> ReadRsaSpki(ByteSpan der) {
  std::optional<Spki> spki = ReadSpki(der, NID_rsaEncryption);
  if (!spki) return std::nullopt;
  std::optional<ByteSpan> null = spki->parameters.Next(kNull);
  if (!null || !null->empty() || !spki->parameters.done()) return std::nullopt;
  Reader key(spki->key);
  std::optional<ByteSpan> numbers = key.Next(kSequence);
  if (!numbers || !key.done()) return std::nullopt;
  Reader members(*numbers);
  std::optional<ByteSpan> modulus = PositiveInteger(members);
  std::optional<ByteSpan> exponent = PositiveInteger(members);
  if (!modulus || !exponent || !members.done()) return std::nullopt;
  return RsaPublicNumbers{*modulus, *exponent};
}

std::optional<ByteSpan> ReadEd25519Spki(ByteSpan der) {
  std::optional<Spki> spki = ReadSpki(der, NID_ED25519);
  if (!spki || !spki->parameters.done() || spki->key.size() != kEd25519Bytes) return std::nullopt;
  return spki->key;
}

Result<ByteSpan> CurveOid(const std::string& group) {
  int nid = OBJ_sn2nid(group.c_str());
  if (nid == NID_undef) nid = EC_curve_nist2nid(group.c_str());
  ByteSpan oid = nid == NID_undef ? ByteSpan() : OidContent(nid);
  if (oid.empty()) return InternalError("no object identifier for the curve " + group);
  return oid;
}

std::optional<Bytes> UncompressedEcPoint(ByteSpan curve, ByteSpan point) {
  const EC_GROUP* group = nullptr;
  for (const Curve& c : KmsCurves()) {
    if (std::ranges::equal(c.oid, curve)) group = c.group.get();
  }
  if (!group) return std::nullopt;
  // Decoding checks that the point is on the curve (and finds y for a compressed one).
  openssl::EcPointPtr decoded(EC_POINT_new(group));
  const bool usable =
      decoded &&
      EC_POINT_oct2point(group, decoded.get(), point.data(), point.size(), nullptr) == 1 &&
      EC_POINT_is_at_infinity(group, decoded.get()) == 0;
  const size_t size =
      usable ? EC_POINT_point2oct(group, decoded.get(), POINT_CONVERSION_UNCOMPRESSED, nullptr,
                                  0, nullptr)
             : 0;
  Bytes uncompressed(size);
  if (size == 0 || EC_POINT_point2oct(group, decoded.get(), POINT_CONVERSION_UNCOMPRESSED,
                                      uncompressed.data(), size, nullptr) != size) {
    ERR_clear_error();
    return std::nullopt;
  }
  return uncompressed;
}

}  // namespace trent::der
