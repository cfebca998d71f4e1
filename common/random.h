// Random bytes from OpenSSL's generator, drawn in batches: each RAND_bytes call costs a getpid()
// system call (OpenSSL's fork check), a noticeable share of a request that needs a few random
// bytes (an IV, a key id, a version id).
#pragma once

#include <cstddef>
#include <cstdint>

namespace trent {

// Fills `out` with `n` random bytes; false when the generator fails. Bytes handed out are
// wiped from the thread's batch, so each is given once.
bool FillRandom(uint8_t* out, size_t n);

}  // namespace trent
