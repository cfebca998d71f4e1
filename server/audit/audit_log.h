// --audit-log FILE: every request's CloudTrail event (cloudtrail.h) as one JSON line, written by
// a thread of its own from a subscription to the records, so requests never wait for the disk.
// When the file would pass its size limit it is rotated: FILE becomes FILE.1, FILE.1 FILE.2, and
// so on, the oldest beyond the kept count deleted.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "server/records/record_hub.h"

namespace trent::audit {

struct AuditLogOptions {
  std::string path;
  int64_t max_bytes = 100LL << 20;  // a file is rotated before it would pass this
  int keep_files = 5;               // rotated files kept besides the current one
};

class AuditLog {
 public:
  // Opens (appends to) the file and starts writing the records `hub` publishes from now on.
  static Result<std::unique_ptr<AuditLog>> Open(const AuditLogOptions& options,
                                                records::RecordHub& hub);
  // Writes what is left once the hub is closed, then returns; call after RecordHub::Close.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

 private:
  AuditLog(AuditLogOptions options, std::FILE* file, int64_t size,
           std::shared_ptr<records::RecordHub::Subscription> subscription);
  void Run();
  void Write(const std::string& line);
  void Rotate();

  const AuditLogOptions options_;
  std::FILE* file_;  // only the writer thread touches it once started
  int64_t size_;
  std::shared_ptr<records::RecordHub::Subscription> subscription_;
  std::thread writer_;
};

}  // namespace trent::audit
