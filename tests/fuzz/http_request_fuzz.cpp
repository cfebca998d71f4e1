// The HTTP request reader with the server's real limits, fed arbitrary bytes in reads of any
// size: it never holds more than RequestReader::MemoryBound, never asks for a read with no room
// while it needs more, and reads pipelined requests one after the other. The first input byte
// chooses the size of the reads (a socket may deliver any).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "server/http/request_reader.h"
#include "tests/fuzz/fuzz_check.h"

using trent::http::RequestLimits;
using trent::http::RequestReader;
using Outcome = RequestReader::Outcome;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const RequestLimits kLimits;  // the server's defaults
  static const size_t kBound = RequestReader::MemoryBound(kLimits);
  if (size == 0) return 0;
  const size_t read_size = 1 + static_cast<size_t>(data[0]) * 67;  // 1 .. about 17 KiB
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  RequestReader reader(kLimits, /*keep_headers=*/true);
  for (;;) {
    const Outcome outcome = reader.Parse();
    FUZZ_CHECK(reader.MemoryInUse() <= kBound);
    if (outcome == Outcome::kComplete) {
      FUZZ_CHECK(reader.header_done());
      FUZZ_CHECK(reader.body().size() <= kLimits.max_body_bytes);
      reader.Start();  // the next pipelined request, if any
      continue;
    }
    if (outcome != Outcome::kNeedMore || input.empty()) break;
    FUZZ_CHECK(reader.Unparsed() < kLimits.max_header_bytes || !reader.header_done());
    const auto space = reader.ReadSpace();
    FUZZ_CHECK(!space.empty());
    const size_t n = std::min({read_size, space.size(), input.size()});
    std::memcpy(space.data(), input.data(), n);
    reader.CommitRead(n);
    input.remove_prefix(n);
    FUZZ_CHECK(reader.MemoryInUse() <= kBound);
  }
  reader.Wipe();
  return 0;
}
