#include <catch.hpp>

#include <string>

#include "server/kms/ciphertext.h"

using namespace trent::kms;
using trent::hsm::kGcmIvSize;
using trent::hsm::kGcmTagSize;

namespace {

std::string Canonical(const EncryptionContext& context) {
  std::string out;
  AppendCanonicalContext(context, out);
  return out;
}

std::string SampleBlob(size_t sealed_size) {
  std::string version_id(KeyVersion::kIdSize, '\x07');
  uint8_t iv[kGcmIvSize];
  for (size_t i = 0; i < kGcmIvSize; ++i) iv[i] = static_cast<uint8_t>(i);
  return MakeHeader(version_id, iv) + std::string(sealed_size, 'x');
}

}  // namespace

TEST_CASE("canonical encryption context ignores the order pairs were given in") {
  CHECK(Canonical({{"b", "2"}, {"a", "1"}}) == Canonical({{"a", "1"}, {"b", "2"}}));
  CHECK(Canonical({}).empty());
}

TEST_CASE("canonical encryption context is unambiguous") {
  // Length prefixes keep "ab"+"c" apart from "a"+"bc".
  CHECK(Canonical({{"ab", "c"}}) != Canonical({{"a", "bc"}}));
  CHECK(Canonical({{"a", ""}}) != Canonical({}));
  CHECK(Canonical({{"k", "v"}}) == std::string("\0\0\0\x01k\0\0\0\x01v", 10));
}

TEST_CASE("a blob's header carries format, key version and IV") {
  std::string blob = SampleBlob(1 + kGcmTagSize);
  REQUIRE(blob.size() == kHeaderSize + 1 + kGcmTagSize);
  CHECK(static_cast<uint8_t>(blob[0]) == kCiphertextFormat);
  auto parsed = ParseCiphertext(blob);
  REQUIRE(parsed.has_value());
  CHECK(parsed->version_id == std::string(KeyVersion::kIdSize, '\x07'));
  CHECK(parsed->header == std::string_view(blob).substr(0, kHeaderSize));
  CHECK(parsed->iv[0] == 0);
  CHECK(parsed->iv[11] == 11);
  CHECK(parsed->sealed.size() == 1 + kGcmTagSize);
}

TEST_CASE("blobs too short or of another format are rejected") {
  CHECK_FALSE(ParseCiphertext("").has_value());
  CHECK_FALSE(ParseCiphertext(SampleBlob(kGcmTagSize)).has_value());  // no ciphertext byte
  std::string other_format = SampleBlob(1 + kGcmTagSize);
  other_format[0] = 2;
  CHECK_FALSE(ParseCiphertext(other_format).has_value());
}
