// An SQLite VFS that writes each commit's WAL frames with one write instead of two per frame.
//
// SQLite writes a frame's header and its page as two writes, so a commit of 20 pages costs 40
// system calls before its fsync; where a system call is dear (virtual machines) those calls,
// not the fsync, bound how fast keys are created. This VFS wraps the default one and, for WAL
// files only, keeps consecutive writes in memory until SQLite syncs, reads, sizes, truncates
// or closes the file, then writes them at once. Nothing else changes: the database file, the
// shared-memory index and the locks go straight to the default VFS.
//
// Only for connections with PRAGMA synchronous = FULL (or EXTRA): there every commit syncs the
// WAL before it becomes visible in the WAL index, so no reader, in this connection or another,
// can look for a frame still held here. With NORMAL a commit's frames would be published
// unwritten.
#pragma once

namespace trent::storage {

// Registers the VFS (once; thread-safe) and returns its name for sqlite3_open_v2; nullptr
// when SQLite has no default VFS to wrap.
const char* WalWriteBatchingVfs();

}  // namespace trent::storage
