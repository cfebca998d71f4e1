#include "server/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <system_error>
#include <string>

namespace trent {

void RestartWithHugePageHeap(char** argv, const std::string& db_path) {
  std::error_code no_file;
  const std::uintmax_t size = std::filesystem::file_size(db_path, no_file);
  if (no_file || size < kHugePageHeapFromBytes) return;
  constexpr const char* kVariable = "MALLOC_CONF";
  const char* set = std::getenv(kVariable);
  const std::optional<std::string> conf = set ? std::optional<std::string>(set) : std::nullopt;
  std::string wanted = conf.value_or("");
  // Set by the caller (thp: or metadata_thp:), or by this function before the exec: never a
  // second exec.
  if (wanted.find("thp:") != std::string::npos) return;
  if (!wanted.empty()) wanted += ',';
  wanted += kHugePageHeapConf;
  if (setenv(kVariable, wanted.c_str(), /*overwrite=*/1) != 0) return;
  execv("/proc/self/exe", argv);
  // No exec (no /proc, say): go on without, and leave the environment as it was.
  if (conf) {
    setenv(kVariable, conf->c_str(), 1);
  } else {
    unsetenv(kVariable);
  }
}

}  // namespace trent
