// trentd: configuration and wiring only.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "common/durable_files.h"
#include "hsm/hsm.h"
#include "server/admin/admin_json.h"
#include "server/admin/admin_service.h"
#include "server/audit/access_log.h"
#include "server/audit/audit_log.h"
#include "server/auth/identity_store.h"
#include "server/config.h"
#include "server/grpc/grpc_server.h"
#include "server/http/http_server.h"
#include "server/huge_page_heap.h"
#include "server/kms/deletion_sweeper.h"
#include "server/kms/key_crypto.h"
#include "server/kms/key_store.h"
#include "server/kms/last_usage.h"
#include "server/kms/usage_flusher.h"
#include "server/logging.h"
#include "server/metrics/metrics.h"
#include "server/ops/dispatcher.h"
#include "server/records/record_hub.h"
#include "server/seed/seed.h"
#include "storage/key_repository.h"
#include "storage/meta_repository.h"
#include "storage/usage_repository.h"

namespace fs = std::filesystem;

namespace trent {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitStartup = 1;
constexpr auto kDeletionSweepInterval = std::chrono::seconds(60);
// How often keys' last usage is stored: what a kill -9 may lose of it.
constexpr auto kUsageFlushInterval = std::chrono::seconds(5);
// Descriptors trentd needs besides its connections: HSM, SQLite, logs, the listening sockets,
// connections closing, the accept reserve.
constexpr rlim_t kReservedDescriptors = 256;
// Request records kept for the admin API's StreamRecords, and how many a subscriber that reads
// too slowly may have waiting before it loses the oldest.
constexpr size_t kRecentRecords = 1000;
constexpr size_t kRecordQueue = 10000;

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

// Creates `dir` and any missing parents, each durably (the parent's entry fsynced).
Status CreateDirectoriesDurably(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  const fs::path parent = dir.parent_path();
  if (!parent.empty()) TRY_STATUS(CreateDirectoriesDurably(parent));
  if (!fs::create_directory(dir, ec) && ec) {
    return InternalError("cannot create " + dir.string() + ": " + ec.message());
  }
  return SyncDirectory(parent.empty() ? "." : parent.string());
}

// Creates the data dir if needed and checks that it is a writable directory.
Status PrepareDataDir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return InternalError("data dir " + dir + " exists and is not a directory");
  }
  const fs::path absolute = fs::absolute(dir, ec);
  if (ec) return InternalError("bad data dir " + dir + ": " + ec.message());
  Status created = CreateDirectoriesDurably(absolute.lexically_normal());
  if (!created.ok()) return InternalError("data dir " + dir + ": " + created.message());
  if (access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return InternalError("data dir " + dir + " is not writable");
  }
  return Status::Ok();
}

// Takes DATA_DIR/trentd.lock (flock, exclusive) for the life of the process, before anything
// in the data dir is created or changed: two trentd on one data dir would each build their
// own view of the keys. The descriptor is deliberately never closed; the kernel releases the
// lock when the process ends, however it ends.
Status LockDataDir(const std::string& dir) {
  const std::string path = (fs::path(dir) / "trentd.lock").string();
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot open " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int lock_errno = errno;
    close(fd);
    if (lock_errno == EWOULDBLOCK) {
      return InternalError("another trentd is using data dir " + dir + " (it holds " + path + ")");
    }
    return InternalError("cannot lock " + path + ": " + std::strerror(lock_errno));
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
    OPENSSL_cleanse(raw, sizeof raw);
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return InternalError("cannot create " + path);
    std::string line = secret + "\n";
    bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    bool synced = fsync(fd) == 0;
    close(fd);
    OPENSSL_cleanse(line.data(), line.size());
    if (!written || !synced) return InternalError("cannot write " + path);
    // The file's name must reach the disk too, or a crash could lose the PIN of a token
    // that already holds keys.
    TRY_STATUS(SyncDirectory(fs::path(path).parent_path().string()));
    return secret;
  }
  return ReadSecretFile(path);
}

// `domain_key_check`: what the database says the token's domain key must unwrap, if it says
// anything. Without it (a first start) the PIN files and the token are created as needed;
// with it, they must exist.
Result<hsm::HsmConfig> HsmSettings(const Config& config, std::optional<Bytes> domain_key_check) {
  hsm::HsmConfig h;
  h.module_path = config.pkcs11_module;
  h.token_label = config.token_label;
  h.domain_key_check = std::move(domain_key_check);
  if (!config.pin_file.empty()) {
    TRY(h.pin, ReadSecretFile(config.pin_file));
    return h;
  }
  // trentd owns a SoftHSM token under the data dir.
  const fs::path data_dir(config.data_dir);
  const fs::path token_dir = data_dir / "softhsm" / "tokens";
  h.auto_init = true;
  h.softhsm_token_dir = token_dir.string();
  h.softhsm_conf_path = (data_dir / "softhsm" / "softhsm2.conf").string();
  const auto secret = h.domain_key_check ? ReadSecretFile : ReadOrCreateSecretFile;
  TRY(h.pin, secret((data_dir / "pin").string()));
  TRY(h.so_pin, secret((data_dir / "so-pin").string()));
  if (!h.domain_key_check) TRY_STATUS(CreateDirectoriesDurably(fs::absolute(token_dir)));
  return h;
}

// Opens the HSM and ties it to the database at `db_path`: a database that holds keys (or a
// recorded check) only starts with the token whose domain key they are wrapped under; a
// first start records the check.
Result<std::unique_ptr<hsm::Hsm>> OpenHsmForDatabase(const Config& config,
                                                     const std::string& db_path) {
  TRY(std::unique_ptr<storage::MetaRepository> meta, storage::MetaRepository::Open(db_path));
  TRY(std::optional<Bytes> recorded, meta->DomainKeyCheck());
  std::optional<Bytes> expected = recorded;
  // A database from before checks were recorded: any of its keys is as good a check.
  if (!expected) {
    TRY(expected, meta->SomeWrappedKeyMaterial());
  }
  TRY(hsm::HsmConfig settings, HsmSettings(config, expected));
  TRY(std::unique_ptr<hsm::Hsm> hsm, hsm::Hsm::Open(settings));
  if (!recorded) {
    TRY(Bytes check, hsm->NewDomainKeyCheck());
    TRY_STATUS(meta->RecordDomainKeyCheck(check));
  }
  return hsm;
}

int Serve(const Config& config) {
  auth::IdentityStore identities;
  if (!config.credentials_file.empty()) {
    auto loaded = auth::IdentityStore::LoadFile(config.credentials_file);
    if (!loaded.ok()) {
      std::cerr << "trentd: " << loaded.status().message() << "\n";
      return kExitUsage;
    }
    identities = std::move(loaded).value();
  }
  // Where seeded keys go when the seed names no Account or Region: the default account, and
  // the region of requests that name none.
  const seed::SeedDefaults seed_defaults{config.default_account,
                                         http::ServerOptions{}.default_region};
  std::optional<seed::Seed> seeded;
  auto seed_failed = [&config](const Status& st) {
    std::cerr << "trentd: seed " << config.seed_file << ": " << st.message() << "\n";
    return kExitUsage;
  };
  if (!config.seed_file.empty()) {
    std::ifstream in(config.seed_file, std::ios::binary);
    if (!in || fs::is_directory(config.seed_file)) {
      return seed_failed(InternalError("cannot read the file"));
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = seed::Parse(text, seed_defaults);
    SecureWipe(text.data(), text.size());  // it may hold key material
    if (!parsed.ok()) return seed_failed(parsed.status());
    seeded = std::move(parsed).value();
  }
  Status dir = PrepareDataDir(config.data_dir);
  if (!dir.ok()) {
    std::cerr << "trentd: " << dir.message() << "\n";
    return kExitUsage;
  }
  SetUpLogging(config.log_level, config.log_json);
  if (seeded) seed::LogWarnings(*seeded);
  auto fail = [](const Status& st) {
    spdlog::critical("{}", st.message());
    return kExitStartup;
  };

  auto max_connections = FitConnectionsToDescriptors(config);
  if (!max_connections.ok()) return fail(max_connections.status());
  Status locked = LockDataDir(config.data_dir);
  if (!locked.ok()) return fail(locked);
  const std::string db_path = KeyDatabasePath(config);
  auto repo = storage::KeyRepository::Open(db_path);
  if (!repo.ok()) return fail(repo.status());
  auto hsm = OpenHsmForDatabase(config, db_path);
  if (!hsm.ok()) {
    return fail(Status(hsm.status().code(), "cannot start with data dir " + config.data_dir +
                                                ": " + hsm.status().message()));
  }
  auto keys = kms::KeyStore::Load(**repo, **hsm, config.key_quota, config.key_cache_size);
  if (!keys.ok()) return fail(keys.status());
  auto usage_repo = storage::UsageRepository::Open(db_path);
  if (!usage_repo.ok()) return fail(usage_repo.status());
  auto tracking_start = (*usage_repo)->TrackingStartMs();
  if (!tracking_start.ok()) return fail(tracking_start.status());
  Status restored = kms::RestoreLastUsage(**usage_repo, **keys);
  if (!restored.ok()) return fail(restored);
  kms::UsageTracker usage(*tracking_start);

  SystemClock system_clock;
  std::optional<TestClock> test_clock;
  if (config.test_clock) {
    test_clock.emplace();
    spdlog::warn("--test-clock: the clock can be moved through the admin API; for tests only");
  }
  const Clock& clock = test_clock ? static_cast<const Clock&>(*test_clock) : system_clock;
  if (seeded) {
    auto applied = seed::Apply(*seeded, **keys, clock.NowMillis());
    if (!applied.ok()) return seed_failed(applied.status());
    spdlog::info("seed {}: {} keys created, {} existing; {} aliases created, {} existing",
                 config.seed_file, applied->keys_created, applied->keys_existing,
                 applied->aliases_created, applied->aliases_existing);
    seeded.reset();  // the material is wiped with it
  }
  kms::KeyCrypto crypto(**keys);
  ops::Services services{**keys, crypto, usage, clock, config.default_account};
  ops::Dispatcher dispatcher(
      services, config.audit_log.empty() ? ops::AuditViews::kOff : ops::AuditViews::kOn);
  kms::DeletionSweeper sweeper(**keys, clock, kDeletionSweepInterval);
  kms::UsageFlusher usage_flusher(usage, **usage_repo, kUsageFlushInterval);
  records::RecordHub records(kRecentRecords, kRecordQueue);
  metrics::Metrics metrics(**keys);
  std::optional<audit::AccessLog> access_log;
  std::vector<records::RecordObserver*> observers{&metrics};
  if (config.access_log) observers.push_back(&access_log.emplace());
  // Each record is counted (and logged, with --access-log), then kept for the admin API and the
  // audit log.
  records::ObservedSink record_sink(std::move(observers), records);
  std::unique_ptr<audit::AuditLog> audit_log;
  if (!config.audit_log.empty()) {
    auto opened = audit::AuditLog::Open(
        {config.audit_log, config.audit_log_max_bytes, config.audit_log_keep}, records);
    if (!opened.ok()) return fail(opened.status());
    audit_log = std::move(*opened);
  }
  admin::AdminService admin_service(**keys, records, (*hsm)->Describe(),
                                    test_clock ? &*test_clock : nullptr,
                                    [&sweeper] { sweeper.RunNow(); }, seed_defaults);
  if (config.admin_allow_remote) {
    spdlog::warn("--admin-allow-remote: the admin API (Reset, ...) answers clients at any address");
  }

  http::ServerOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.threads = config.threads;
  options.max_connections = *max_connections;
  options.blocking_threads = config.blocking_threads;
  options.compute_threads = config.compute_threads;
  options.identities = &identities;
  options.verify_signatures = config.strict_auth;
  options.clock = &clock;
  options.records = &record_sink;
  http::Handler handler{[&dispatcher](const ops::RequestMeta& meta, std::string_view body) {
                          return dispatcher.Dispatch(meta, body);
                        },
                        ops::Dispatcher::Blocks,
                        ops::Dispatcher::Defers,
                        [&dispatcher](const ops::RequestMeta& meta, std::string_view body,
                                      ops::Dispatcher::Resume resume,
                                      std::function<void(ops::Outcome)> done) {
                          return dispatcher.DispatchLater(meta, body, std::move(resume),
                                                          std::move(done));
                        },
                        [&admin_service, &config](std::string_view path, std::string_view body,
                                                  std::string_view peer_ip) {
                          admin::JsonAnswer answer = admin::DispatchJson(
                              admin_service, path, body, peer_ip, config.admin_allow_remote);
                          return ops::ApiResponse{answer.http_status, std::move(answer.body)};
                        },
                        [&metrics] { return metrics.Scrape(); },
                        ops::Dispatcher::Computes};
  auto server = http::HttpServer::Create(options, std::move(handler));
  if (!server.ok()) return fail(server.status());
  std::unique_ptr<grpcfront::GrpcServer> grpc_server;
  if (!config.grpc_listen.empty()) {
    grpcfront::GrpcOptions grpc_options;
    grpc_options.address = config.grpc_listen;
    grpc_options.identities = &identities;
    grpc_options.verify_credentials = config.strict_auth;
    grpc_options.clock = &clock;
    grpc_options.records = &record_sink;
    grpc_options.admin = &admin_service;
    grpc_options.admin_allow_remote = config.admin_allow_remote;
    auto started = grpcfront::GrpcServer::Start(grpc_options, dispatcher);
    if (!started.ok()) return fail(started.status());
    grpc_server = std::move(*started);
  }

  spdlog::info("HSM: {}; data dir {}", (*hsm)->Describe(), config.data_dir);
  if (!config.credentials_file.empty()) {
    spdlog::info("{} identities from {}; signatures {}", identities.size(),
                 config.credentials_file, config.strict_auth ? "verified (--auth strict)" : "not verified");
  }
  std::cout << "trentd listening on " << config.listen_host << ":" << (*server)->port() << std::endl;
  if (grpc_server) {
    const std::string host = config.grpc_listen.substr(0, config.grpc_listen.rfind(':'));
    std::cout << "trentd gRPC listening on " << host << ":" << grpc_server->port() << std::endl;
  }
  (*server)->Run();
  // Closing the records first ends StreamRecords calls, which would hold up the gRPC shutdown;
  // the audit log then writes what it has left.
  records.Close();
  if (grpc_server) grpc_server->Shutdown();
  audit_log.reset();
  // Every request has finished: the last uses they recorded are all stored now.
  usage_flusher.Stop();
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
  trent::RestartWithHugePageHeap(argv, trent::KeyDatabasePath(*config));
  return trent::Serve(*config);
}
