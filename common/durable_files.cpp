#include "common/durable_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace trent {
namespace {

Status SyncPath(const std::string& path, int flags) {
  const int fd = open(path.c_str(), flags | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return InternalError("cannot open " + path + " to fsync it: " + std::strerror(errno));
  const int rc = fsync(fd);
  const int fsync_errno = errno;
  close(fd);
  if (rc != 0) return InternalError("cannot fsync " + path + ": " + std::strerror(fsync_errno));
  return Status::Ok();
}

}  // namespace

Status SyncDirectory(const std::string& dir) { return SyncPath(dir, O_DIRECTORY); }

Status SyncTree(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(st)) {
      TRY_STATUS(SyncDirectory(it->path().string()));
    } else if (fs::is_regular_file(st)) {
      TRY_STATUS(SyncPath(it->path().string(), 0));
    }
  }
  if (ec) return InternalError("cannot list " + root + ": " + ec.message());
  return SyncDirectory(root);
}

}  // namespace trent
