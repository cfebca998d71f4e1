// The settings of a SoftHSM token that trent initialises in a unit test's temporary directory.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "hsm/hsm.h"
#include "tests/unit/temp_dir.h"

namespace trent::testing {

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
