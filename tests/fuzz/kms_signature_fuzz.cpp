// ECDSA signatures as clients send them to Verify (DER ECDSA-Sig-Value, parsed with OpenSSL's
// d2i) and as trent converts the HSM's r || s: any bytes either give nothing or r || s of the
// curve's size whose DER encoding is exactly the input (only canonical DER is read), and any
// r || s with positive halves survives the trip through DER unchanged.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/kms/signing.h"
#include "tests/fuzz/fuzz_check.h"

using trent::Bytes;
using trent::kms::EcdsaDerToRaw;
using trent::kms::EcdsaRawToDer;

namespace {

std::string_view View(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  // The order sizes of P-256 / secp256k1, P-384 and P-521, and a small one.
  static constexpr size_t kHalves[] = {32, 48, 66, 1};
  size_t half = kHalves[in.ConsumeIntegralInRange<size_t>(0, 3)];
  std::string rest = in.ConsumeRemainingBytesAsString();

  std::optional<Bytes> raw = EcdsaDerToRaw(rest, half);
  if (raw) {
    FUZZ_CHECK(raw->size() == 2 * half);
    auto der = EcdsaRawToDer(View(*raw));
    FUZZ_CHECK(der.ok());
    FUZZ_CHECK(View(*der) == rest);
  }

  if (rest.size() >= 2 * half) {
    Bytes pair(rest.begin(), rest.begin() + 2 * half);
    bool r_zero = std::all_of(pair.begin(), pair.begin() + half, [](uint8_t b) { return b == 0; });
    bool s_zero = std::all_of(pair.begin() + half, pair.end(), [](uint8_t b) { return b == 0; });
    auto der = EcdsaRawToDer(View(pair));
    FUZZ_CHECK(der.ok());
    std::optional<Bytes> back = EcdsaDerToRaw(View(*der), half);
    if (r_zero || s_zero) {
      FUZZ_CHECK(!back);
    } else {
      FUZZ_CHECK(back && *back == pair);
    }
  }
  return 0;
}
