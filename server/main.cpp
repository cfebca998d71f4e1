// trentd: configuration and wiring only.
#include <fcntl.h>
#include <openssl/rand.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/bytes.h"
#include "hsm/hsm.h"
#include "server/config.h"
#include "server/http/http_server.h"
#include "server/kms/deletion_sweeper.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "server/ops/dispatcher.h"
#include "storage/key_repository.h"

namespace fs = std::filesystem;

namespace trent {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitStartup = 1;
constexpr auto kDeletionSweepInterval = std::chrono::seconds(60);
// Descriptors trentd needs besides its connections: HSM, SQLite, logs, the listening sockets,
// connections closing, the accept reserve.
constexpr rlim_t kReservedDescriptors = 256;

// Raises the descriptor limit as far as allowed, and returns how many connections fit in it.
Result<size_t> FitConnectionsToDescriptors(const Config& config) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return InternalError("cannot read RLIMIT_NOFILE");
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  const rlim_t available =
      limit.rlim_cur > kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors : 0;
  if (config.max_connections > 0) {
    if (static_cast<rlim_t>(config.max_connections) > available) {
      return InternalError(
          "--max-connections " + std::to_string(config.max_connections) + " needs " +
          std::to_string(config.max_connections + kReservedDescriptors) +
          " file descriptors; the limit (ulimit -n) is " + std::to_string(limit.rlim_cur));
    }
    return static_cast<size_t>(config.max_connections);
  }
  if (available < 1) {
    return InternalError("the file descriptor limit (ulimit -n) of " +
                         std::to_string(limit.rlim_cur) + " leaves no room for connections");
  }
  if (available < static_cast<rlim_t>(kDefaultMaxConnections)) {
    spdlog::info("file descriptor limit {}: serving at most {} connections", limit.rlim_cur,
                 available);
  }
  return static_cast<size_t>(std::min<rlim_t>(available, kDefaultMaxConnections));
}

// Creates the data dir if needed and checks that it is a writable directory.
Status PrepareDataDir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return InternalError("data dir " + dir + " exists and is not a directory");
  }
  fs::create_directories(dir, ec);
  if (ec) return InternalError("cannot create data dir " + dir + ": " + ec.message());
  if (access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return InternalError("data dir " + dir + " is not writable");
  }
  return Status::Ok();
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return InternalError("cannot read " + path);
  std::string secret;
  std::getline(in, secret);
  if (secret.empty()) return InternalError(path + " is empty");
  return secret;
}

// Reads the secret in `path`, or creates it (random, mode 0600) if it does not exist yet.
Result<std::string> ReadOrCreateSecretFile(const std::string& path) {
  if (!fs::exists(path)) {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) return InternalError("no randomness for a PIN");
    std::string secret = HexEncode(raw, sizeof raw);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return InternalError("cannot create " + path);
    std::string line = secret + "\n";
    bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    bool synced = fsync(fd) == 0;
    close(fd);
    if (!written || !synced) return InternalError("cannot write " + path);
    return secret;
  }
  return ReadSecretFile(path);
}

Result<hsm::HsmConfig> HsmSettings(const Config& config) {
  hsm::HsmConfig h;
  h.module_path = config.pkcs11_module;
  h.token_label = config.token_label;
  if (!config.pin_file.empty()) {
    TRY(h.pin, ReadSecretFile(config.pin_file));
    return h;
  }
  // trentd owns a SoftHSM token under the data dir.
  fs::path softhsm = fs::path(config.data_dir) / "softhsm";
  std::error_code ec;
  fs::create_directories(softhsm / "tokens", ec);
  if (ec) return InternalError("cannot create " + (softhsm / "tokens").string() + ": " + ec.message());
  h.auto_init = true;
  h.softhsm_token_dir = (softhsm / "tokens").string();
  h.softhsm_conf_path = (softhsm / "softhsm2.conf").string();
  TRY(h.pin, ReadOrCreateSecretFile((fs::path(config.data_dir) / "pin").string()));
  TRY(h.so_pin, ReadOrCreateSecretFile((fs::path(config.data_dir) / "so-pin").string()));
  return h;
}

void SetUpLogging(const Config& config) {
  auto logger = spdlog::stderr_color_mt("trentd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
}

int Serve(const Config& config) {
  Status dir = PrepareDataDir(config.data_dir);
  if (!dir.ok()) {
    std::cerr << "trentd: " << dir.message() << "\n";
    return kExitUsage;
  }
  SetUpLogging(config);
  auto fail = [](const Status& st) {
    spdlog::critical("{}", st.message());
    return kExitStartup;
  };

  auto max_connections = FitConnectionsToDescriptors(config);
  if (!max_connections.ok()) return fail(max_connections.status());
  auto hsm_settings = HsmSettings(config);
  if (!hsm_settings.ok()) return fail(hsm_settings.status());
  auto hsm = hsm::Hsm::Open(*hsm_settings);
  if (!hsm.ok()) return fail(hsm.status());
  auto repo = storage::KeyRepository::Open((fs::path(config.data_dir) / "trent.db").string());
  if (!repo.ok()) return fail(repo.status());
  auto keys = kms::KeyStore::Load(**repo, **hsm);
  if (!keys.ok()) return fail(keys.status());

  SystemClock clock;
  kms::KeyCrypto crypto(**keys);
  ops::Services services{**keys, crypto, clock, config.default_account};
  ops::Dispatcher dispatcher(services);

  http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.threads = config.threads;
  options.max_connections = *max_connections;
  options.blocking_threads = config.blocking_threads;
  http::Handler handler{[&dispatcher](const ops::RequestMeta& meta, std::string_view body) {
                          return dispatcher.Dispatch(meta, body);
                        },
                        ops::Dispatcher::Blocks};
  auto server = http::HttpServer::Create(options, std::move(handler));
  if (!server.ok()) return fail(server.status());

  kms::DeletionSweeper sweeper(**keys, clock, kDeletionSweepInterval);
  spdlog::info("HSM: {}; data dir {}", (*hsm)->Describe(), config.data_dir);
  std::cout << "trentd listening on " << config.listen_host << ":" << (*server)->port() << std::endl;
  (*server)->Run();
  spdlog::info("stopped");
  return 0;
}

}  // namespace
}  // namespace trent

int main(int argc, char** argv) {
  auto config = trent::ParseConfig(argc, argv, TRENT_DEFAULT_PKCS11_MODULE);
  if (!config.ok()) {
    std::cerr << "trentd: " << config.status().message() << "\n";
    return trent::kExitUsage;
  }
  if (config->help) {
    std::cout << trent::UsageText();
    return 0;
  }
  return trent::Serve(*config);
}
