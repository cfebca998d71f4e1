// The canonical encryption context (part of every ciphertext's authenticated data): the input is
// split into two contexts (maps, as a JSON object gives them); their encodings are equal if and
// only if the contexts are, whatever order the pairs came in. Decoding an encoding gives back its
// pairs in key order and nothing else, which shows that different contexts never encode alike.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/kms/ciphertext.h"
#include "tests/fuzz/fuzz_check.h"

using trent::kms::AppendCanonicalContext;
using trent::kms::EncryptionContext;

namespace {

using Context = std::map<std::string, std::string>;

// Up to 8 pairs; a key given twice keeps its first value, as keys of a JSON object are unique.
// Also returns the pairs in the order they were drawn.
Context DrawContext(FuzzedDataProvider& in, std::vector<std::pair<std::string, std::string>>& drawn) {
  Context context;
  size_t pairs = in.ConsumeIntegralInRange<size_t>(0, 8);
  for (size_t i = 0; i < pairs && in.remaining_bytes() > 0; ++i) {
    std::string key = in.ConsumeRandomLengthString(64);
    std::string value = in.ConsumeRandomLengthString(64);
    if (context.emplace(key, value).second) drawn.emplace_back(std::move(key), std::move(value));
  }
  return context;
}

std::string Encode(const std::vector<std::pair<std::string, std::string>>& pairs) {
  EncryptionContext views(pairs.begin(), pairs.end());
  std::string out;
  AppendCanonicalContext(views, out);
  return out;
}

std::optional<std::string> ReadLengthPrefixed(std::string_view& in) {
  if (in.size() < 4) return std::nullopt;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(4);
  if (in.size() < n) return std::nullopt;
  std::string s(in.substr(0, n));
  in.remove_prefix(n);
  return s;
}

// The pairs of an encoding in the order they appear; nullopt if it is not a whole encoding.
std::optional<std::vector<std::pair<std::string, std::string>>> Decode(std::string_view in) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!in.empty()) {
    auto key = ReadLengthPrefixed(in);
    if (!key) return std::nullopt;
    auto value = ReadLengthPrefixed(in);
    if (!value) return std::nullopt;
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  return pairs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<std::pair<std::string, std::string>> drawn_a, drawn_b;
  Context a = DrawContext(in, drawn_a);
  Context b = DrawContext(in, drawn_b);

  std::string encoded_a = Encode(drawn_a);
  std::string encoded_b = Encode(drawn_b);
  FUZZ_CHECK((encoded_a == encoded_b) == (a == b));

  // Order does not matter: reversed, the same pairs encode the same.
  FUZZ_CHECK(Encode({drawn_a.rbegin(), drawn_a.rend()}) == encoded_a);

  // The encoding holds exactly the context's pairs, sorted by key (std::map's order).
  auto decoded = Decode(encoded_a);
  FUZZ_CHECK(decoded.has_value());
  FUZZ_CHECK(*decoded == std::vector<std::pair<std::string, std::string>>(a.begin(), a.end()));
  return 0;
}
