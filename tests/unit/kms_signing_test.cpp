#include <catch.hpp>

#include <string>

#include "server/kms/signing.h"

using namespace trent::kms;
using trent::Bytes;
using trent::ErrorCode;

namespace {

const SigningAlgorithm& Row(std::string_view name) {
  const SigningAlgorithm* row = FindSigningAlgorithm(name);
  REQUIRE(row != nullptr);
  return *row;
}

std::string S(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST_CASE("message types each algorithm takes, in AWS's words") {
  CHECK(CheckMessage(Row("ECDSA_SHA_256"), "RAW", "anything").ok());
  CHECK(CheckMessage(Row("ECDSA_SHA_256"), "DIGEST", std::string(32, 'd')).ok());
  CHECK(CheckMessage(Row("RSASSA_PSS_SHA_384"), "DIGEST", std::string(48, 'd')).ok());

  auto st = CheckMessage(Row("ECDSA_SHA_256"), "DIGEST", std::string(28, 'd'));
  CHECK(st.code() == ErrorCode::kValidation);
  CHECK(st.message() == "Digest is invalid length for algorithm ECDSA_SHA_256.");

  st = CheckMessage(Row("ECDSA_SHA_256"), "EXTERNAL_MU", std::string(64, 'd'));
  CHECK(st.code() == ErrorCode::kValidation);
  CHECK(st.message() == "Message type EXTERNAL_MU is incompatible with algorithm ECDSA_SHA_256.");

  st = CheckMessage(Row("ED25519_SHA_512"), "DIGEST", std::string(64, 'd'));
  CHECK(st.message() == "Message type DIGEST is incompatible with algorithm ED25519_SHA_512.");
  CHECK(CheckMessage(Row("ED25519_SHA_512"), "RAW", "m").ok());
}

TEST_CASE("Ed25519ph is refused only after the message type and digest length") {
  const SigningAlgorithm& ph = Row("ED25519_PH_SHA_512");
  auto st = CheckMessage(ph, "RAW", "m");
  CHECK(st.code() == ErrorCode::kValidation);
  CHECK(st.message() == "Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.");
  st = CheckMessage(ph, "DIGEST", std::string(63, 'd'));
  CHECK(st.message() == "Digest is invalid length for algorithm ED25519_PH_SHA_512.");
  st = CheckMessage(ph, "DIGEST", std::string(64, 'd'));
  CHECK(st.code() == ErrorCode::kUnsupportedOperation);
  CHECK(st.message() == std::string(ph.unsupported));
}

TEST_CASE("r || s and DER ECDSA signatures convert both ways") {
  // r = 0x01, s = 0x80 (needs a leading zero in DER), halves of 2 bytes.
  std::string raw("\x00\x01\x00\x80", 4);
  auto der = EcdsaRawToDer(raw);
  REQUIRE(der.ok());
  CHECK(S(*der) == std::string("\x30\x07\x02\x01\x01\x02\x02\x00\x80", 9));
  auto back = EcdsaDerToRaw(S(*der), 2);
  REQUIRE(back);
  CHECK(S(*back) == raw);
  // No half size, no signature.
  CHECK(!EcdsaDerToRaw(S(*der), 0));
  CHECK(EcdsaDerToRaw(S(*der), 1));  // both fit in one byte
}

TEST_CASE("only canonical DER with positive r and s is a signature") {
  using std::string;
  CHECK(!EcdsaDerToRaw("", 32));
  CHECK(!EcdsaDerToRaw("garbage", 32));
  CHECK(!EcdsaDerToRaw(string("\x30\x06\x02\x01\x01\x02\x01\x01\x00", 9), 32));  // trailing byte
  CHECK(!EcdsaDerToRaw(string("\x30\x06\x02\x01\x00\x02\x01\x01", 8), 32));      // r = 0
  CHECK(!EcdsaDerToRaw(string("\x30\x06\x02\x01\xff\x02\x01\x01", 8), 32));      // r < 0
  CHECK(!EcdsaDerToRaw(string("\x30\x07\x02\x02\x00\x01\x02\x01\x01", 9), 32));  // r padded
  CHECK(!EcdsaDerToRaw(string("\x30\x81\x06\x02\x01\x01\x02\x01\x01", 9), 32));  // long length
  CHECK(EcdsaDerToRaw(string("\x30\x06\x02\x01\x01\x02\x01\x01", 8), 32));
  // r of 33 bytes does not fit a 32-byte half.
  string big = string("\x30\x27\x02\x22\x00", 5) + string(1, '\x80') + string(32, '\x01') +
               string("\x02\x01\x01", 3);
  CHECK(!EcdsaDerToRaw(big, 32));
  CHECK(EcdsaDerToRaw(big, 33));
}
