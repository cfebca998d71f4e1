// common/der: lengths in short and long form, INTEGER's sign byte, nested values, each read back
// by OpenSSL's own DER parsers.
#include <catch.hpp>

#include <openssl/asn1.h>
#include <openssl/bn.h>

#include <vector>

#include "common/der.h"

using trent::Bytes;
namespace der = trent::der;

namespace {

// The content OpenSSL reads from one DER OCTET STRING that fills `encoded`.
Bytes ReadOctetString(const Bytes& encoded) {
  const unsigned char* p = encoded.data();
  ASN1_OCTET_STRING* s = d2i_ASN1_OCTET_STRING(nullptr, &p, static_cast<long>(encoded.size()));
  REQUIRE(s != nullptr);
  CHECK(p == encoded.data() + encoded.size());
  Bytes out(ASN1_STRING_get0_data(s), ASN1_STRING_get0_data(s) + ASN1_STRING_length(s));
  ASN1_OCTET_STRING_free(s);
  return out;
}

// OpenSSL's DER of the unsigned big-endian number `value`.
Bytes OpensslInteger(const Bytes& value) {
  BIGNUM* bn = BN_bin2bn(value.data(), static_cast<int>(value.size()), nullptr);
  ASN1_INTEGER* i = BN_to_ASN1_INTEGER(bn, nullptr);
  unsigned char* out = nullptr;
  const int n = i2d_ASN1_INTEGER(i, &out);
  REQUIRE(n > 0);
  Bytes encoded(out, out + n);
  OPENSSL_free(out);
  ASN1_INTEGER_free(i);
  BN_free(bn);
  return encoded;
}

}  // namespace

TEST_CASE("der: an OCTET STRING of any size, its length in the shortest form") {
  struct Case {
    size_t size;
    size_t header;
  };
  for (Case c : {Case{0, 2}, Case{1, 2}, Case{127, 2}, Case{128, 3}, Case{255, 3}, Case{256, 4},
                 Case{65535, 4}, Case{65536, 5}, Case{1 << 20, 5}}) {
    INFO(c.size);
    Bytes content(c.size);
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<uint8_t>(i * 7);
    const der::Value value = der::OctetString(content);
    const Bytes encoded = value.Encode();
    CHECK(value.size() == encoded.size());
    CHECK(encoded.size() == c.header + c.size);
    CHECK(ReadOctetString(encoded) == content);
    const trent::SecretBytes secret = value.EncodeSecret();
    CHECK(Bytes(secret.bytes().begin(), secret.bytes().end()) == encoded);
  }
}

TEST_CASE("der: INTEGER drops leading zeros and adds one before a set top bit, as OpenSSL") {
  for (const Bytes& value :
       std::vector<Bytes>{{}, {0}, {0, 0, 0}, {1}, {0x7f}, {0x80}, {0, 0x80}, {0, 0, 0xff, 1},
                          {0x01, 0x00, 0x01}, Bytes(256, 0xff), Bytes(300, 0x00)}) {
    INFO(value.size());
    CHECK(der::Integer(value).Encode() == OpensslInteger(value));
  }
  CHECK(der::SmallInteger(0).Encode() == Bytes{0x02, 0x01, 0x00});
  CHECK(der::SmallInteger(1).Encode() == Bytes{0x02, 0x01, 0x01});
  CHECK(der::SmallInteger(127).Encode() == Bytes{0x02, 0x01, 0x7f});
}

TEST_CASE("der: nested values carry their children's sizes") {
  const Bytes inner_content(200, 0xab);
  // SEQUENCE { [1] { BIT STRING }, OCTET STRING { NULL } }
  const der::Value value = der::Sequence(
      {der::Explicit(1, der::BitString(inner_content)), der::OctetStringOf(der::Null())});
  const Bytes encoded = value.Encode();
  const Bytes head = {0x30, 0x81, 0xd3, 0xa1, 0x81, 0xcc, 0x03, 0x81, 0xc9, 0x00};
  const Bytes tail = {0x04, 0x02, 0x05, 0x00};
  Bytes expected;
  for (const Bytes* part : {&head, &inner_content, &tail}) {
    expected.insert(expected.end(), part->begin(), part->end());
  }
  CHECK(encoded == expected);
  CHECK(value.size() == expected.size());
  // An OCTET STRING around DER is an OCTET STRING to a parser.
  CHECK(ReadOctetString(der::OctetStringOf(der::Null()).Encode()) == Bytes{0x05, 0x00});
}

TEST_CASE("der::Reader reads DER only: definite, shortest lengths within the input") {
  using Span = std::span<const uint8_t>;
  const Bytes two = {0x04, 0x01, 0xaa, 0x05, 0x00};
  der::Reader reader{Span(two)};
  CHECK_FALSE(reader.Next(der::kNull).has_value());  // another tag: nothing read
  auto first = reader.Next(der::kOctetString);
  REQUIRE(first.has_value());
  CHECK(Bytes(first->begin(), first->end()) == Bytes{0xaa});
  auto second = reader.Next(der::kNull);
  REQUIRE(second.has_value());
  CHECK(second->empty());
  CHECK(reader.done());
  CHECK_FALSE(reader.Next(der::kNull).has_value());

  Bytes long_content(200, 0x11);
  const Bytes long_value = der::OctetString(long_content).Encode();
  auto read = der::Reader(Span(long_value)).Next(der::kOctetString);
  REQUIRE(read.has_value());
  CHECK(Bytes(read->begin(), read->end()) == long_content);

  for (const Bytes& bad : std::vector<Bytes>{
           {},                             // nothing
           {0x04},                         // no length
           {0x04, 0x02, 0xaa},             // shorter than its length
           {0x04, 0x80, 0xaa, 0x00, 0x00}, // indefinite length
           {0x04, 0x81, 0x01, 0xaa},       // long form below 128
           {0x04, 0x82, 0x00, 0x81},       // a leading zero length byte
           {0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00},  // more length bytes than trent reads
           {0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0xaa}}) {  // far past the input
    INFO(bad.size());
    der::Reader r{Span(bad)};
    CHECK_FALSE(r.Next(der::kOctetString).has_value());
    CHECK(r.done() == bad.empty());  // nothing consumed
  }
}
