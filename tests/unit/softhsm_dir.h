// What unit tests share: a temporary directory removed with everything in it, and the settings
// of a SoftHSM token that trent initialises in one.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "hsm/hsm.h"

namespace trent::testing {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name = "trent-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// A SoftHSM token labelled `label` in `dir`, initialised on first open.
inline hsm::HsmConfig SoftHsmIn(const std::filesystem::path& dir, const std::string& label) {
  std::filesystem::create_directories(dir / "tokens");
  hsm::HsmConfig c;
  c.module_path = TRENT_DEFAULT_PKCS11_MODULE;
  c.token_label = label;
  c.pin = "1234";
  c.so_pin = "5678";
  c.auto_init = true;
  c.softhsm_token_dir = (dir / "tokens").string();
  c.softhsm_conf_path = (dir / "softhsm2.conf").string();
  return c;
}

}  // namespace trent::testing
