#include "server/config.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>
#include <string_view>

namespace trent {
namespace {

Status Bad(const std::string& message) { return ValidationError(message); }

Result<int64_t> ParseNumber(std::string_view text, int64_t min, int64_t max, const std::string& what) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Bad(what + " must be a number from " + std::to_string(min) + " to " +
               std::to_string(max) + ", got '" + std::string(text) + "'");
  }
  return v;
}

Status SetListen(Config& c, const std::string& v) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Bad("--listen must be HOST:PORT, got '" + v + "'");
  }
  std::string host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  TRY(int64_t port, ParseNumber(std::string_view(v).substr(colon + 1), 0, 65535, "--listen port"));
  c.listen_host = host;
  c.listen_port = static_cast<uint16_t>(port);
  return Status::Ok();
}

// gRPC takes the address as text; only its form is checked here.
Status SetGrpcListen(Config& c, const std::string& v) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Bad("--grpc-listen must be HOST:PORT, got '" + v + "'");
  }
  TRY_STATUS(ParseNumber(std::string_view(v).substr(colon + 1), 0, 65535, "--grpc-listen port")
                 .status());
  c.grpc_listen = v;
  return Status::Ok();
}

Status SetAccount(Config& c, const std::string& v) {
  bool digits = v.size() == 12;
  for (char ch : v) digits = digits && std::isdigit(static_cast<unsigned char>(ch));
  if (!digits) return Bad("--default-account must be 12 digits, got '" + v + "'");
  c.default_account = v;
  return Status::Ok();
}

Status SetLogLevel(Config& c, const std::string& v) {
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    if (v == level) {
      c.log_level = v;
      return Status::Ok();
    }
  }
  return Bad("--log-level must be one of trace, debug, info, warn, error, off; got '" + v + "'");
}

Status SetLogFormat(Config& c, const std::string& v) {
  if (v != "text" && v != "json") return Bad("--log-format must be text or json, got '" + v + "'");
  c.log_json = v == "json";
  return Status::Ok();
}

Status SetAuditLogMaxBytes(Config& c, const std::string& v) {
  TRY(c.audit_log_max_bytes, ParseNumber(v, 4096, INT64_MAX, "--audit-log-max-bytes"));
  return Status::Ok();
}

Status SetAuditLogKeep(Config& c, const std::string& v) {
  TRY(int64_t n, ParseNumber(v, 0, 1000, "--audit-log-keep"));
  c.audit_log_keep = static_cast<int>(n);
  return Status::Ok();
}

Status SetThreads(Config& c, const std::string& v) {
  TRY(int64_t n, ParseNumber(v, 1, 256, "--threads"));
  c.threads = static_cast<int>(n);
  return Status::Ok();
}

Status SetKeyCacheSize(Config& c, const std::string& v) {
  TRY(int64_t n, ParseNumber(v, 1, 1'000'000, "--key-cache-size"));
  c.key_cache_size = static_cast<size_t>(n);
  return Status::Ok();
}

Status SetKeyQuota(Config& c, const std::string& v) {
  TRY(c.key_quota, ParseNumber(v, 1, INT64_MAX, "--key-quota"));
  return Status::Ok();
}

Status SetMaxConnections(Config& c, const std::string& v) {
  TRY(c.max_connections, ParseNumber(v, 1, 1'000'000, "--max-connections"));
  return Status::Ok();
}

Status SetComputeThreads(Config& c, const std::string& v) {
  TRY(int64_t n, ParseNumber(v, 1, 256, "--compute-threads"));
  c.compute_threads = static_cast<int>(n);
  return Status::Ok();
}

Status SetBlockingThreads(Config& c, const std::string& v) {
  TRY(int64_t n, ParseNumber(v, 1, 1024, "--blocking-threads"));
  c.blocking_threads = static_cast<int>(n);
  return Status::Ok();
}

Status SetAuth(Config& c, const std::string& v) {
  if (v != "strict" && v != "off") return Bad("--auth must be strict or off, got '" + v + "'");
  c.strict_auth = v == "strict";
  return Status::Ok();
}

Status SetNonEmpty(std::string& field, const std::string& flag, const std::string& v) {
  if (v.empty()) return Bad(flag + " must not be empty");
  field = v;
  return Status::Ok();
}

struct Setting {
  const char* env;
  std::function<Status(Config&, const std::string&)> apply;
};

const std::map<std::string, Setting>& Settings() {
  static const std::map<std::string, Setting> kSettings = {
      {"--listen", {"TRENT_LISTEN", SetListen}},
      {"--grpc-listen", {"TRENT_GRPC_LISTEN", SetGrpcListen}},
      {"--data-dir", {"TRENT_DATA_DIR", [](Config& c, const std::string& v) {
                        return SetNonEmpty(c.data_dir, "--data-dir", v); }}},
      {"--pkcs11-module", {"TRENT_PKCS11_MODULE", [](Config& c, const std::string& v) {
                             return SetNonEmpty(c.pkcs11_module, "--pkcs11-module", v); }}},
      {"--token-label", {"TRENT_TOKEN_LABEL", [](Config& c, const std::string& v) {
                           if (v.size() > 32) return Bad("--token-label must be at most 32 characters");
                           return SetNonEmpty(c.token_label, "--token-label", v); }}},
      {"--pin-file", {"TRENT_PIN_FILE", [](Config& c, const std::string& v) {
                        return SetNonEmpty(c.pin_file, "--pin-file", v); }}},
      {"--default-account", {"TRENT_DEFAULT_ACCOUNT", SetAccount}},
      {"--log-level", {"TRENT_LOG_LEVEL", SetLogLevel}},
      {"--log-format", {"TRENT_LOG_FORMAT", SetLogFormat}},
      {"--audit-log", {"TRENT_AUDIT_LOG", [](Config& c, const std::string& v) {
                         return SetNonEmpty(c.audit_log, "--audit-log", v); }}},
      {"--audit-log-max-bytes", {"TRENT_AUDIT_LOG_MAX_BYTES", SetAuditLogMaxBytes}},
      {"--audit-log-keep", {"TRENT_AUDIT_LOG_KEEP", SetAuditLogKeep}},
      {"--threads", {"TRENT_THREADS", SetThreads}},
      {"--key-cache-size", {"TRENT_KEY_CACHE_SIZE", SetKeyCacheSize}},
      {"--key-quota", {"TRENT_KEY_QUOTA", SetKeyQuota}},
      {"--max-connections", {"TRENT_MAX_CONNECTIONS", SetMaxConnections}},
      {"--blocking-threads", {"TRENT_BLOCKING_THREADS", SetBlockingThreads}},
      {"--compute-threads", {"TRENT_COMPUTE_THREADS", SetComputeThreads}},
      {"--credentials-file", {"TRENT_CREDENTIALS_FILE", [](Config& c, const std::string& v) {
                                return SetNonEmpty(c.credentials_file, "--credentials-file", v); }}},
      {"--auth", {"TRENT_AUTH", SetAuth}},
      {"--seed", {"TRENT_SEED", [](Config& c, const std::string& v) {
                    return SetNonEmpty(c.seed_file, "--seed", v); }}},
  };
  return kSettings;
}

// Flags without a value; their variable turns them on with 1 or true.
struct Switch {
  const char* env;
  bool Config::*field;
};

const std::map<std::string, Switch>& Switches() {
  static const std::map<std::string, Switch> kSwitches = {
      {"--access-log", {"TRENT_ACCESS_LOG", &Config::access_log}},
      {"--test-clock", {"TRENT_TEST_CLOCK", &Config::test_clock}},
      {"--admin-allow-remote", {"TRENT_ADMIN_ALLOW_REMOTE", &Config::admin_allow_remote}},
  };
  return kSwitches;
}

Result<bool> ParseSwitch(const char* env, std::string_view v) {
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false" || v.empty()) return false;
  return Bad(std::string(env) + " must be 1, true, 0 or false, got '" + std::string(v) + "'");
}

}  // namespace

const char* UsageText() {
  return R"(Usage: trentd [flags]
A local AWS KMS endpoint whose keys live in a PKCS#11 HSM.

  --listen HOST:PORT       address to serve on (TRENT_LISTEN; default 127.0.0.1:4599, port 0 picks one)
  --grpc-listen HOST:PORT  also serve the KMS API (trent.v1.KeyManagementService), health and
                           reflection over gRPC there (TRENT_GRPC_LISTEN; default off, port 0
                           picks one)
  --data-dir DIR           database, SoftHSM token and PIN files (TRENT_DATA_DIR; default ./trent-data)
  --pkcs11-module PATH     PKCS#11 library (TRENT_PKCS11_MODULE; default SoftHSMv2)
  --token-label LABEL      token to use (TRENT_TOKEN_LABEL; default trent)
  --pin-file FILE          user PIN of an existing token (TRENT_PIN_FILE); without it trentd
                           initialises and owns a SoftHSM token under the data dir
  --default-account ID     12-digit account of every caller (TRENT_DEFAULT_ACCOUNT; default 111122223333)
  --log-level LEVEL        trace, debug, info, warn, error or off (TRENT_LOG_LEVEL; default info)
  --log-format text|json   json: each log line a JSON object with time, level, logger and
                           message (TRENT_LOG_FORMAT; default text)
  --access-log             log one line per KMS request (HTTP and gRPC) at info level: client
                           address, frontend, operation, OK or the AWS error type, latency in
                           ms, request id, user agent; never a body (TRENT_ACCESS_LOG=1;
                           default off)
  --audit-log FILE         append every KMS request as a CloudTrail-shaped JSON line, without
                           plaintexts or key material (TRENT_AUDIT_LOG; default none)
  --audit-log-max-bytes N  rotate the audit log before it passes N bytes: FILE becomes FILE.1
                           (TRENT_AUDIT_LOG_MAX_BYTES; default 104857600, at least 4096)
  --audit-log-keep N       rotated audit logs kept (TRENT_AUDIT_LOG_KEEP; default 5)
  --threads N              network threads (TRENT_THREADS; default half the cores, at least 1)
  --key-cache-size N       key versions kept unwrapped in the HSM, about 10 KB each; others are
                           unwrapped again when used (TRENT_KEY_CACHE_SIZE; default 10000)
  --key-quota N            keys an account may hold per region, in any state, as AWS's quota
                           (TRENT_KEY_QUOTA; default 100000): CreateKey beyond it answers
                           LimitExceededException
  --max-connections N      open connections at most; beyond, the longest-idle keep-alive ones
                           are closed (TRENT_MAX_CONNECTIONS; default 4096, fewer if the
                           file descriptor limit is lower)
  --blocking-threads N     threads for the writes that wait for their write on a thread
                           (RotateKeyOnDemand, an RSA CreateKey, writes through gRPC)
                           (TRENT_BLOCKING_THREADS; default 16)
  --compute-threads N      threads for Sign, Verify, DeriveSharedSecret and
                           GenerateDataKeyPair*, which compute for 0.02-5 ms (an RSA data key
                           pair: up to seconds), so that the network threads serve others
                           meanwhile (TRENT_COMPUTE_THREADS; default as many as cores)
  --credentials-file PATH  identities, YAML (TRENT_CREDENTIALS_FILE): a list under identities:
                           of access_key_id, secret_access_key, account_id, arn, and optionally
                           session_token and policies (identity-policy JSON documents). A
                           request signed with one of these access keys acts as that identity;
                           any other acts as the default account's root (unless --auth strict)
  --auth strict|off        strict: verify every request's SigV4 signature against the
                           credentials file, with AWS's errors (TRENT_AUTH; default off, where
                           any credentials are accepted unverified)
  --seed FILE              at start, before serving, create the keys (with their material,
                           imported into the HSM, or generated there), aliases, tags and key
                           policies of this YAML file (TRENT_SEED): local-kms's seed format,
                           or trent's extension of it (see the README). Keys and aliases that
                           exist already are left as they are; a bad file stops trentd
  --test-clock             FOR TESTS ONLY: trentd's clock can be moved forward through the
                           admin API, POST /_trent/v1/AdvanceClock {"seconds": N} and
                           POST /_trent/v1/GetClock on the same port, to see rotation and
                           deletion dates pass (TRENT_TEST_CLOCK=1; default off, and those two
                           methods answer UnsupportedOperationException)
  --admin-allow-remote     the admin API (POST /_trent/v1/<Method>: Health, Reset,
                           ListKeyStates, GetClock, AdvanceClock, StreamRecords, ApplySeed)
                           answers clients at any address (TRENT_ADMIN_ALLOW_REMOTE=1; default off: loopback
                           clients only, others get AccessDeniedException, HTTP 403)
  --help                   this text
)";
}

Result<Config> ParseConfig(int argc, char** argv, const std::string& default_module) {
  Config config;
  config.pkcs11_module = default_module;
  const auto& settings = Settings();
  for (const auto& [flag, setting] : settings) {
    if (const char* value = std::getenv(setting.env)) {
      Status st = setting.apply(config, value);
      if (!st.ok()) return Bad(std::string(setting.env) + ": " + st.message());
    }
  }
  for (const auto& [flag, on] : Switches()) {
    if (const char* value = std::getenv(on.env)) {
      TRY(config.*on.field, ParseSwitch(on.env, value));
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      config.help = true;
      continue;
    }
    if (auto on = Switches().find(arg); on != Switches().end()) {
      config.*on->second.field = true;
      continue;
    }
    std::string value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto it = settings.find(arg);
    if (it == settings.end()) return Bad("unknown flag '" + arg + "' (see --help)");
    if (eq == std::string::npos) {
      if (i + 1 >= argc) return Bad(arg + " needs a value");
      value = argv[++i];
    }
    TRY_STATUS(it->second.apply(config, value));
  }
  if (config.strict_auth && config.credentials_file.empty()) {
    return Bad("--auth strict needs --credentials-file (the identities whose signatures count)");
  }
  // A local KMS shares the machine with its clients: measured on 2 cores with the load
  // generator beside it, one network thread serves more requests than two.
  if (config.threads == 0) config.threads = std::max(1u, std::thread::hardware_concurrency() / 2);
  if (config.compute_threads == 0) {
    config.compute_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  return config;
}

std::string KeyDatabasePath(const Config& config) {
  return (std::filesystem::path(config.data_dir) / "trent.db").string();
}

}  // namespace trent
