#include <catch.hpp>

#include "common/base64.h"

using trent::Base64Decode;
using trent::Base64Encode;

TEST_CASE("base64 round-trips every length and byte value") {
  std::string data;
  for (int n = 0; n < 300; ++n) {
    std::string encoded = Base64Encode(data);
    REQUIRE(encoded.size() == (data.size() + 2) / 3 * 4);
    auto decoded = Base64Decode(encoded);
    REQUIRE(decoded.has_value());
    REQUIRE(*decoded == data);
    data.push_back(static_cast<char>((n * 37 + 11) & 0xff));
  }
}

TEST_CASE("base64 matches RFC 4648 test vectors") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(*Base64Decode("Zm9vYg==") == "foob");
  CHECK(*Base64Decode("Zm9vYmE=") == "fooba");
}

TEST_CASE("base64 rejects what is not base64") {
  CHECK_FALSE(Base64Decode("Zm9").has_value());        // length not a multiple of 4
  CHECK_FALSE(Base64Decode("Zm9v!A==").has_value());   // character outside the alphabet
  CHECK_FALSE(Base64Decode("Zg=v").has_value());       // padding in the middle
  CHECK_FALSE(Base64Decode("=Zm9").has_value());
  CHECK_FALSE(Base64Decode("Zm 9v").has_value());      // whitespace
}
