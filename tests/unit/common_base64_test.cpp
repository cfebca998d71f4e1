#include <catch.hpp>

#include <string>

#include "common/base64.h"

namespace {

std::string Encode(std::string_view data) {
  std::string out;
  trent::Base64EncodeAppend(data, out);
  return out;
}

// The decoded bytes, or "error: <reason>".
std::string Decode(std::string text) {
  auto n = trent::Base64DecodeInPlace(text);
  if (!n.ok()) {
    CHECK(n.status().code() == trent::ErrorCode::kSerialization);
    return "error: " + n.status().message();
  }
  text.resize(*n);
  return text;
}

}  // namespace

TEST_CASE("base64 round-trips every length and byte value") {
  std::string data;
  for (int n = 0; n < 300; ++n) {
    std::string encoded = Encode(data);
    REQUIRE(encoded.size() == (data.size() + 2) / 3 * 4);
    REQUIRE(Decode(encoded) == data);
    data.push_back(static_cast<char>((n * 37 + 11) & 0xff));
  }
}

TEST_CASE("base64 matches RFC 4648 test vectors") {
  CHECK(Encode("") == "");
  CHECK(Encode("f") == "Zg==");
  CHECK(Encode("fo") == "Zm8=");
  CHECK(Encode("foo") == "Zm9v");
  CHECK(Encode("foobar") == "Zm9vYmFy");
  CHECK(Decode("") == "");
  CHECK(Decode("Zm9vYg==") == "foob");
  CHECK(Decode("Zm9vYmE=") == "fooba");
}

TEST_CASE("EncodeAppend appends") {
  std::string out = "x:";
  trent::Base64EncodeAppend("foo", out);
  CHECK(out == "x:Zm9v");
}

TEST_CASE("base64 rejects what is not base64, with AWS's reasons, leaving the text as it was") {
  CHECK(Decode("Zm9") == "error: Base64 encoded length is expected a multiple of 4 bytes but found: 3");
  CHECK(Decode("Zm9v!A==") == "error: Invalid Base64 character: '!'");
  CHECK(Decode("Zg=v") == "error: Invalid Base64 character: '='");  // padding in the middle
  CHECK(Decode("=Zm9") == "error: Invalid Base64 character: '='");
  CHECK(Decode("====") == "error: Invalid Base64 character: '='");
  CHECK(Decode("Zm 9v") == "error: Base64 encoded length is expected a multiple of 4 bytes but found: 5");
  CHECK(Decode("Zm\n9") == "error: Invalid Base64 character: '\n'");
  CHECK(Decode("Zm\xC3\xA9") == "error: Invalid Base64 character: '\xC3\xA9'");  // the whole character
  CHECK(Decode("QR==") == "error: Invalid last non-pad Base64 character dectected");
  CHECK(Decode("QUJ=") == "error: Invalid last non-pad Base64 character dectected");
  CHECK(Decode("QQ==") == "A");
  CHECK(Decode("QUI=") == "AB");

  std::string text = "Zm9v!A==";
  CHECK_FALSE(trent::Base64DecodeInPlace(text).ok());
  CHECK(text == "Zm9v!A==");
}
