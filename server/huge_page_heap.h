// On a virtual machine a page fault costs tens of microseconds, and loading 100k keys touches
// about 150 MB of fresh heap: most of trentd's start time at many keys. glibc backs its heap
// with transparent huge pages (512 times fewer faults) when GLIBC_TUNABLES asks for it
// (glibc.malloc.hugetlb=1, glibc 2.35 and later), but it reads that only when a process starts.
#pragma once

#include <cstdint>
#include <string>

namespace trent {

// When the key database at `db_path` is large enough for the load to matter
// (kHugePageHeapFromBytes) and GLIBC_TUNABLES does not say glibc.malloc.hugetlb yet, adds
// glibc.malloc.hugetlb=1 to it and executes this same program again with `argv` (same process
// id). Returns only when it does not (a small or no database, already set, or the exec failed):
// then trentd goes on as it is. A small database is not worth the second start (about 40 ms of
// dynamic linking here).
void RestartWithHugePageHeap(char** argv, const std::string& db_path);

// About 30k keys.
constexpr std::uintmax_t kHugePageHeapFromBytes = 16 << 20;

}  // namespace trent
