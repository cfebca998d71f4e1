// fsync for directories: a new file survives a crash only once the directory entry that
// names it is on disk too.
#pragma once

#include <string>

#include "common/status.h"

namespace trent {

// fsyncs the directory `dir` (its entries: files created, renamed or removed in it).
Status SyncDirectory(const std::string& dir);

// fsyncs `root` and every file and directory under it, for trees written by code that does
// not fsync itself (SoftHSM's token files).
Status SyncTree(const std::string& root);

}  // namespace trent
