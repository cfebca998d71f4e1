#include "common/random.h"

#include <openssl/rand.h>

#include <cstring>

#include "common/bytes.h"

namespace trent {

bool FillRandom(uint8_t* out, size_t n) {
  constexpr size_t kBatch = 4096;
  thread_local uint8_t batch[kBatch];
  thread_local size_t used = kBatch;
  if (n > kBatch / 4) return RAND_bytes(out, static_cast<int>(n)) == 1;
  if (kBatch - used < n) {
    if (RAND_bytes(batch, sizeof batch) != 1) return false;
    used = 0;
  }
  std::memcpy(out, batch + used, n);
  SecureWipe(batch + used, n);
  used += n;
  return true;
}

}  // namespace trent
