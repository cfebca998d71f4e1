// ParseCiphertext on arbitrary bytes: it accepts exactly the blobs of the current format that are
// long enough, and its views cover the blob as the layout says. A header made by MakeHeader from
// the input's bytes parses back to the same version id, IV and sealed part.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "server/kms/ciphertext.h"
#include "tests/fuzz/fuzz_check.h"

using namespace trent::kms;

namespace {

constexpr size_t kVersionIdSize = KeyVersion::kIdSize;
constexpr size_t kIvSize = trent::hsm::kGcmIvSize;
constexpr size_t kTagSize = trent::hsm::kGcmTagSize;
constexpr size_t kMinBlobSize = kHeaderSize + 1 + kTagSize;  // at least one ciphertext byte

// `part` is a view into `whole` at `offset`, not a copy.
bool IsViewAt(std::string_view part, std::string_view whole, size_t offset, size_t size) {
  return part.data() == whole.data() + offset && part.size() == size;
}

void CheckParse(std::string_view blob) {
  auto parsed = ParseCiphertext(blob);
  bool acceptable = blob.size() >= kMinBlobSize && static_cast<uint8_t>(blob[0]) == kCiphertextFormat;
  FUZZ_CHECK(parsed.has_value() == acceptable);
  if (!parsed) return;
  FUZZ_CHECK(IsViewAt(parsed->header, blob, 0, kHeaderSize));
  FUZZ_CHECK(IsViewAt(parsed->version_id, blob, 1, kVersionIdSize));
  FUZZ_CHECK(parsed->iv == reinterpret_cast<const uint8_t*>(blob.data()) + 1 + kVersionIdSize);
  FUZZ_CHECK(IsViewAt(parsed->sealed, blob, kHeaderSize, blob.size() - kHeaderSize));
}

// The input's first bytes as version id and IV, the rest as the sealed part.
void CheckRoundTrip(std::string_view input) {
  if (input.size() < kVersionIdSize + kIvSize) return;
  std::string_view version_id = input.substr(0, kVersionIdSize);
  uint8_t iv[kIvSize];
  std::memcpy(iv, input.data() + kVersionIdSize, kIvSize);
  std::string_view sealed = input.substr(kVersionIdSize + kIvSize);

  std::string blob = MakeHeader(version_id, iv);
  FUZZ_CHECK(blob.size() == kHeaderSize);
  blob.append(sealed);
  auto parsed = ParseCiphertext(blob);
  FUZZ_CHECK(parsed.has_value() == (sealed.size() >= 1 + kTagSize));
  if (!parsed) return;
  FUZZ_CHECK(parsed->version_id == version_id);
  FUZZ_CHECK(std::memcmp(parsed->iv, iv, kIvSize) == 0);
  FUZZ_CHECK(parsed->sealed == sealed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckParse(input);
  CheckRoundTrip(input);
  return 0;
}
