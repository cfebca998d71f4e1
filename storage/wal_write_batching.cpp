#include "storage/wal_write_batching.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace trent::storage {
namespace {

constexpr const char* kVfsName = "trent-wal-batching";
// Writes held for one file are written out beyond this, so a huge transaction does not grow
// the buffer without bound.
constexpr size_t kMaxHeldBytes = 4 << 20;
// The most one write passes to the base VFS: the unix VFS writes at most 128 KiB - 1 bytes per
// system call, and fails a longer write of a multiple of 128 KiB as if the disk were full.
constexpr size_t kMaxWriteBytes = 64 << 10;

sqlite3_vfs* g_base = nullptr;  // the default VFS, set once by WalWriteBatchingVfs
sqlite3_vfs g_vfs;

// Our file: SQLite allocates vfs.szOsFile bytes for it; the base VFS's file follows ours.
struct File {
  sqlite3_file base;       // base.pMethods: kMethods
  sqlite3_file* inner;     // the base VFS's file
  bool wal;                // only WAL files hold writes back
  sqlite3_int64 held_at = 0;
  std::vector<char> held;  // consecutive bytes to write at held_at
};

constexpr size_t kFileSize = (sizeof(File) + 15) & ~size_t{15};

File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
const sqlite3_io_methods& Inner(File* f) { return *f->inner->pMethods; }

int WriteHeld(File* f) {
  int rc = SQLITE_OK;
  for (size_t done = 0; done < f->held.size() && rc == SQLITE_OK; done += kMaxWriteBytes) {
    const size_t n = std::min(kMaxWriteBytes, f->held.size() - done);
    rc = Inner(f).xWrite(f->inner, f->held.data() + done, static_cast<int>(n),
                         f->held_at + static_cast<sqlite3_int64>(done));
  }
  f->held.clear();  // on failure too: SQLite fails the commit that held them
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = Of(file);
  int written = WriteHeld(f);
  int closed = Inner(f).xClose(f->inner);
  f->~File();
  return written != SQLITE_OK ? written : closed;
}

int Read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return Inner(f).xRead(f->inner, out, amount, offset);
}

int Write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = Of(file);
  if (!f->wal) return Inner(f).xWrite(f->inner, data, amount, offset);
  const char* bytes = static_cast<const char*>(data);
  const auto held_end = f->held_at + static_cast<sqlite3_int64>(f->held.size());
  if (!f->held.empty() && offset >= f->held_at && offset <= held_end) {
    // Appends to, or rewrites part of, what is held: the later bytes win, as on disk.
    const auto at = static_cast<size_t>(offset - f->held_at);
    if (at + static_cast<size_t>(amount) > f->held.size()) f->held.resize(at + amount);
    std::memcpy(f->held.data() + at, bytes, static_cast<size_t>(amount));
  } else {
    if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
    f->held_at = offset;
    f->held.assign(bytes, bytes + amount);
  }
  return f->held.size() > kMaxHeldBytes ? WriteHeld(f) : SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = Of(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return Inner(f).xTruncate(f->inner, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = Of(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return Inner(f).xSync(f->inner, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = Of(file);
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return Inner(f).xFileSize(f->inner, size);
}

int Lock(sqlite3_file* file, int level) { return Inner(Of(file)).xLock(Of(file)->inner, level); }
int Unlock(sqlite3_file* file, int level) {
  return Inner(Of(file)).xUnlock(Of(file)->inner, level);
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Inner(Of(file)).xCheckReservedLock(Of(file)->inner, out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  File* f = Of(file);
  // Whatever the control does to the file, it sees every write made so far.
  if (int rc = WriteHeld(f); rc != SQLITE_OK) return rc;
  return Inner(f).xFileControl(f->inner, op, arg);
}

int SectorSize(sqlite3_file* file) { return Inner(Of(file)).xSectorSize(Of(file)->inner); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Inner(Of(file)).xDeviceCharacteristics(Of(file)->inner);
}

// WAL mode's shared memory and memory-mapped reads belong to the database file: passed on.
int ShmMap(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return Inner(Of(file)).xShmMap(Of(file)->inner, region, size, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  return Inner(Of(file)).xShmLock(Of(file)->inner, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) { Inner(Of(file)).xShmBarrier(Of(file)->inner); }
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  return Inner(Of(file)).xShmUnmap(Of(file)->inner, delete_flag);
}
int Fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return Inner(Of(file)).xFetch(Of(file)->inner, offset, amount, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return Inner(Of(file)).xUnfetch(Of(file)->inner, offset, page);
}

const sqlite3_io_methods kMethods = {
    3,        Close,      Read,     Write,     Truncate,   Sync,     FileSize,
    Lock,     Unlock,     CheckReservedLock,   FileControl,          SectorSize,
    DeviceCharacteristics, ShmMap, ShmLock,   ShmBarrier, ShmUnmap, Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = new (file) File{};
  f->inner = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kFileSize);
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  int rc = g_base->xOpen(g_base, name, f->inner, flags, out_flags);
  // The methods below forward to version 3 methods; a base VFS with fewer cannot be wrapped.
  if (rc == SQLITE_OK && f->inner->pMethods->iVersion < 3) {
    f->inner->pMethods->xClose(f->inner);
    rc = SQLITE_CANTOPEN;
  } else if (rc != SQLITE_OK && f->inner->pMethods != nullptr) {
    f->inner->pMethods->xClose(f->inner);
  }
  if (rc != SQLITE_OK) {
    f->~File();
    file->pMethods = nullptr;  // SQLite then does not close it
    return rc;
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

}  // namespace

const char* WalWriteBatchingVfs() {
  static std::once_flag registered;
  std::call_once(registered, [] {
    sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
    if (base == nullptr) return;
    g_base = base;
    // Everything but opening a file is the base VFS's own.
    g_vfs = *base;
    g_vfs.pNext = nullptr;
    g_vfs.zName = kVfsName;
    g_vfs.szOsFile = static_cast<int>(kFileSize) + base->szOsFile;
    g_vfs.xOpen = Open;
    if (sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0) != SQLITE_OK) g_base = nullptr;
  });
  return g_base != nullptr ? kVfsName : nullptr;
}

}  // namespace trent::storage
