#include "server/audit/audit_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "server/audit/cloudtrail.h"

namespace trent::audit {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(200);

Status FileError(const std::string& what, const std::string& path) {
  return InternalError("audit log " + path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const AuditLogOptions& options,
                                                 records::RecordHub& hub) {
  std::FILE* file = std::fopen(options.path.c_str(), "ae");
  if (!file) return FileError("cannot open", options.path);
  std::error_code ec;
  const auto size = std::filesystem::file_size(options.path, ec);
  return std::unique_ptr<AuditLog>(new AuditLog(options, file, ec ? 0 : static_cast<int64_t>(size),
                                                hub.Subscribe()));
}

AuditLog::AuditLog(AuditLogOptions options, std::FILE* file, int64_t size,
                   std::shared_ptr<records::RecordHub::Subscription> subscription)
    : options_(std::move(options)),
      file_(file),
      size_(size),
      subscription_(std::move(subscription)) {
  writer_ = std::thread([this] { Run(); });
}

AuditLog::~AuditLog() {
  writer_.join();
  std::fclose(file_);
}

void AuditLog::Run() {
  uint64_t reported_drops = 0;
  while (true) {
    const auto batch = subscription_->Next(kPollInterval);
    for (const auto& record : batch) Write(CloudTrailEvent(record));
    if (!batch.empty()) std::fflush(file_);
    if (const uint64_t dropped = subscription_->dropped(); dropped != reported_drops) {
      spdlog::warn("audit log: {} request records lost: written slower than requests came",
                   dropped - reported_drops);
      reported_drops = dropped;
    }
    if (batch.empty() && subscription_->closed()) return;
  }
}

void AuditLog::Write(const std::string& line) {
  const auto bytes = static_cast<int64_t>(line.size() + 1);
  if (size_ > 0 && size_ + bytes > options_.max_bytes) Rotate();
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fputc('\n', file_);
  size_ += bytes;
}

void AuditLog::Rotate() {
  std::fclose(file_);
  const std::string& path = options_.path;
  std::error_code ec;
  std::filesystem::remove(path + "." + std::to_string(options_.keep_files), ec);
  for (int i = options_.keep_files - 1; i >= 1; --i) {
    std::filesystem::rename(path + "." + std::to_string(i), path + "." + std::to_string(i + 1), ec);
  }
  if (options_.keep_files > 0) {
    std::filesystem::rename(path, path + ".1", ec);
  } else {
    std::filesystem::remove(path, ec);
  }
  file_ = std::fopen(path.c_str(), "ae");
  if (!file_) {
    // Nowhere to write: the records are still counted in the metrics and kept for the admin API.
    spdlog::error("{}", FileError("cannot reopen after rotation", path).message());
    file_ = std::fopen("/dev/null", "we");
  }
  size_ = 0;
}

}  // namespace trent::audit
