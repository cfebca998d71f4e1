// Base64 (common/base64.h): encoding then decoding gives the input back; decoding arbitrary
// text never crashes, leaves invalid text untouched, and re-encoding what it decoded gives the
// text back (the decoder is strict, so a valid text is the canonical one).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base64.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string encoded;
  trent::Base64EncodeAppend(input, encoded);
  auto n = trent::Base64DecodeInPlace(encoded);
  if (!n.ok() || std::string_view(encoded.data(), *n) != input) std::abort();

  std::string text(input);
  auto decoded = trent::Base64DecodeInPlace(text);
  if (!decoded.ok()) {
    if (text != input || decoded.status().message().empty()) std::abort();
    return 0;
  }
  std::string again;
  trent::Base64EncodeAppend(std::string_view(text.data(), *decoded), again);
  if (again != input) std::abort();
  return 0;
}
