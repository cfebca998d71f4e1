#include "server/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <string>

namespace trent {

void RestartWithHugePageHeap(char** argv, const std::string& db_path) {
  std::error_code no_file;
  const std::uintmax_t size = std::filesystem::file_size(db_path, no_file);
  if (no_file || size < kHugePageHeapFromBytes) return;
  constexpr const char* kVariable = "GLIBC_TUNABLES";
  constexpr const char* kTunable = "glibc.malloc.hugetlb";
  const char* tunables = std::getenv(kVariable);
  std::string wanted = tunables ? tunables : "";
  // Set by the caller, or by this function before the exec: never a second exec.
  if (wanted.find(kTunable) != std::string::npos) return;
  if (!wanted.empty()) wanted += ':';
  wanted += std::string(kTunable) + "=1";
  if (setenv(kVariable, wanted.c_str(), /*overwrite=*/1) != 0) return;
  execv("/proc/self/exe", argv);
  // No exec (no /proc, say): go on without, and leave the environment as it was.
  if (tunables) {
    setenv(kVariable, tunables, 1);
  } else {
    unsetenv(kVariable);
  }
}

}  // namespace trent
