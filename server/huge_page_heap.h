// On a virtual machine a page fault costs tens of microseconds, and loading 100k keys touches
// about 130 MB of fresh heap: most of trentd's start time at many keys. jemalloc (trentd's
// allocator) backs its memory with transparent huge pages (512 times fewer faults) when
// MALLOC_CONF says thp:always, but it reads that only when a process starts.
#pragma once

#include <cstdint>
#include <string>

namespace trent {

// When the key database at `db_path` is large enough for the load to matter
// (kHugePageHeapFromBytes) and MALLOC_CONF says nothing of huge pages yet, adds
// kHugePageHeapConf to it and executes this same program again with `argv` (same process id).
// Returns only when it does not (a small or no database, already set, or the exec failed): then
// trentd goes on as it is. A small database is not worth the second start (about 40 ms of
// dynamic linking here), nor the 4-5 MB that huge pages add to a small heap.
void RestartWithHugePageHeap(char** argv, const std::string& db_path);

// About 30k keys.
constexpr std::uintmax_t kHugePageHeapFromBytes = 16 << 20;

// jemalloc's options: huge pages for what it allocates and for its own metadata.
constexpr const char* kHugePageHeapConf = "thp:always,metadata_thp:always";

}  // namespace trent
