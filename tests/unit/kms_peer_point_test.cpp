// kms::PeerPoint: DeriveSharedSecret's reading of the peer's public key (a DER
// SubjectPublicKeyInfo) against the KMS key's own, with keys made by OpenSSL.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <catch.hpp>
#include <string>

#include "server/kms/mac_ecdh.h"

using trent::Bytes;
using trent::ErrorCode;
using trent::kms::PeerPoint;

namespace {

struct Generated {
  std::string spki;
  Bytes point;  // uncompressed
};

Generated Generate(const char* algorithm, const char* group_or_bits, bool compressed = false) {
  EVP_PKEY* key = std::string(algorithm) == "EC" ? EVP_EC_gen(group_or_bits)
                                                 : EVP_RSA_gen(std::stoul(group_or_bits));
  REQUIRE(key != nullptr);
  Generated out;
  if (std::string(algorithm) == "EC") {
    size_t len = 0;
    REQUIRE(EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", nullptr, 0, &len) == 1);
    out.point.resize(len);
    REQUIRE(EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", out.point.data(), len, &len));
    if (compressed) {
      REQUIRE(EVP_PKEY_set_utf8_string_param(key, "point-format", "compressed") == 1);
    }
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  REQUIRE(len > 0);
  out.spki.assign(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  EVP_PKEY_free(key);
  return out;
}

void RequireUnusable(const std::string& peer, const std::string& own, size_t point_size) {
  auto r = PeerPoint(peer, own, point_size);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ErrorCode::kValidation);
  CHECK(r.status().message().empty());
}

}  // namespace

TEST_CASE("PeerPoint gives the uncompressed point of a key on the same curve", "[kms][ecdh]") {
  struct { const char* group; size_t point_size; } curves[] = {
      {"prime256v1", 65}, {"secp384r1", 97}, {"secp521r1", 133}};
  for (auto [group, point_size] : curves) {
    CAPTURE(group);
    const Generated own = Generate("EC", group);
    const Generated peer = Generate("EC", group);
    auto point = PeerPoint(peer.spki, own.spki, point_size);
    REQUIRE(point.ok());
    CHECK(*point == peer.point);
    // The same key with its point compressed in the SubjectPublicKeyInfo.
    const Generated compressed = Generate("EC", group, true);
    auto decompressed = PeerPoint(compressed.spki, own.spki, point_size);
    REQUIRE(decompressed.ok());
    CHECK(*decompressed == compressed.point);
    CHECK(compressed.spki.size() < Generate("EC", group).spki.size());
  }
}

TEST_CASE("PeerPoint refuses what is not a key on the KMS key's curve", "[kms][ecdh]") {
  const Generated own = Generate("EC", "prime256v1");
  const Generated peer = Generate("EC", "prime256v1");
  RequireUnusable("InvalidPublicKey", own.spki, 65);
  RequireUnusable("", own.spki, 65);
  RequireUnusable(peer.spki.substr(0, peer.spki.size() - 1), own.spki, 65);
  RequireUnusable(peer.spki + '\0', own.spki, 65);
  RequireUnusable(std::string(trent::AsStringView(peer.point)), own.spki, 65);
  RequireUnusable(Generate("EC", "secp256k1").spki, own.spki, 65);
  RequireUnusable(Generate("EC", "secp384r1").spki, own.spki, 65);
  RequireUnusable(Generate("RSA", "2048").spki, own.spki, 65);
  std::string off_curve = peer.spki;
  off_curve.back() ^= 1;
  RequireUnusable(off_curve, own.spki, 65);
  // The same key with explicit curve parameters instead of the curve's name.
  EVP_PKEY* explicit_key = nullptr;
  {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(peer.spki.data());
    explicit_key = d2i_PUBKEY(nullptr, &p, static_cast<long>(peer.spki.size()));
    REQUIRE(explicit_key != nullptr);
    REQUIRE(EVP_PKEY_set_utf8_string_param(explicit_key, "encoding", "explicit") == 1);
    unsigned char* der = nullptr;
    const int n = i2d_PUBKEY(explicit_key, &der);
    REQUIRE(n > 0);
    const std::string explicit_spki(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
    EVP_PKEY_free(explicit_key);
    CHECK(explicit_spki.size() > peer.spki.size());
    RequireUnusable(explicit_spki, own.spki, 65);
  }
  // The point at infinity (one zero byte), encoded as a P-256 key.
  // 30 59 | 30 13 (the algorithm, 19 bytes) | 03 42 00 04 x y: keep up to the BIT STRING's tag.
  std::string infinity = peer.spki.substr(0, 24);
  infinity[1] = 25;                          // the outer length: 2 + 19 + 4
  infinity += std::string("\x02\x00\x00", 3);  // BIT STRING of 2: no unused bits, point 00
  RequireUnusable(infinity, own.spki, 65);
  // A BIT STRING with unused bits, and a length not in its shortest form.
  std::string unused_bits = peer.spki;
  unused_bits[25] = 1;
  RequireUnusable(unused_bits, own.spki, 65);
  std::string long_form = peer.spki;
  long_form.insert(1, 1, static_cast<char>(0x81));  // 0x81 0x59: 89 in the long form
  RequireUnusable(long_form, own.spki, 65);
}

TEST_CASE("KMSInvalidMacException has no message", "[kms][mac]") {
  auto s = trent::kms::InvalidMac();
  CHECK(s.code() == ErrorCode::kInvalidMac);
  CHECK(s.message().empty());
  CHECK(std::string(trent::AwsErrorType(ErrorCode::kInvalidMac)) == "KMSInvalidMacException");
  CHECK(std::string(trent::AwsErrorType(ErrorCode::kInvalidSignature)) ==
        "KMSInvalidSignatureException");
}
