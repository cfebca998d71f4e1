#include "server/audit/access_log.h"

#include <cstdio>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace trent::audit {
namespace {

// Characters a value may hold and still be written bare; any other makes it quoted.
bool Bare(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("-._:/+@").find(c) != std::string_view::npos;
}

// ` name=value`, the value bare when it can be, else in double quotes with \" and \\ escaped
// and bytes outside printable ASCII as \xNN: the operation and the user agent come from the
// client and must not break the line or forge another.
void Field(std::string& line, std::string_view name, std::string_view value) {
  if (!line.empty()) line += ' ';
  line.append(name).push_back('=');
  bool bare = !value.empty();
  for (const char c : value) bare = bare && Bare(c);
  if (bare) {
    line.append(value);
    return;
  }
  line.push_back('"');
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      line.push_back('\\');
      line.push_back(c);
    } else if (byte < 0x20 || byte >= 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      line.append(escaped);
    } else {
      line.push_back(c);
    }
  }
  line.push_back('"');
}

}  // namespace

AccessLog::AccessLog() : logger_(spdlog::default_logger()->clone(kAccessLoggerName)) {}

AccessLog::~AccessLog() = default;

void AccessLog::Observe(const records::RequestRecord& record) {
  if (!logger_->should_log(spdlog::level::info)) return;
  std::string line;
  line.reserve(160 + record.user_agent.size());
  Field(line, "ip", record.source_ip);
  Field(line, "frontend", record.frontend);
  Field(line, "op", record.operation);
  Field(line, "result", record.error_code.empty() ? std::string_view("OK") : record.error_code);
  char ms[32];
  std::snprintf(ms, sizeof ms, "%.3f", static_cast<double>(record.latency_us) / 1000);
  Field(line, "ms", ms);
  Field(line, "request_id", record.request_id);
  Field(line, "user_agent", record.user_agent);
  logger_->info("{}", line);
}

}  // namespace trent::audit
