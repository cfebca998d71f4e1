// trentd's settings: command-line flags, each with an environment variable.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "server/kms/material_cache.h"

namespace trent {

// AWS's default quota of customer managed keys per account and Region (adjustable there too).
constexpr int64_t kDefaultKeyQuota = 100'000;
constexpr int64_t kDefaultMaxConnections = 4096;
constexpr int64_t kDefaultAuditLogMaxBytes = 100LL << 20;
constexpr int kDefaultAuditLogKeep = 5;

struct Config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 4599;
  std::string grpc_listen;        // HOST:PORT of the gRPC frontend; empty: no gRPC
  std::string data_dir = "./trent-data";
  std::string pkcs11_module;      // default: SoftHSMv2
  std::string token_label = "trent";
  std::string pin_file;           // empty: trent owns a SoftHSM token under the data dir
  std::string default_account = "111122223333";
  std::string log_level = "info";
  bool log_json = false;          // --log-format json: one JSON object per log line
  bool access_log = false;        // --access-log: one info line per KMS request
  std::string audit_log;          // --audit-log FILE: CloudTrail-shaped events; empty: none
  int64_t audit_log_max_bytes = kDefaultAuditLogMaxBytes;
  int audit_log_keep = kDefaultAuditLogKeep;
  int threads = 0;                // 0: half the cores (the clients share the machine), at least 1
  size_t key_cache_size = kms::MaterialCache::kDefaultCapacity;  // key versions kept unwrapped
  int64_t key_quota = kDefaultKeyQuota;  // keys per account and region
  int64_t max_connections = 0;    // 0: kDefaultMaxConnections, or fewer if descriptors are short
  int blocking_threads = 16;      // threads for the operations that wait for a durable write
  int compute_threads = 0;        // 0: as many as cores; for Sign, Verify, DeriveSharedSecret
  std::string credentials_file;   // identities (YAML); empty: every caller is the default root
  std::string seed_file;          // keys, aliases, tags, policies applied at start (YAML)
  bool strict_auth = false;       // --auth strict: every request's SigV4 signature is verified
  bool test_clock = false;        // test only: the admin API's AdvanceClock moves the clock
  bool admin_allow_remote = false;  // the admin API answers every peer, not loopback ones only
  bool help = false;
};

// Flags win over environment variables, which win over defaults. An error names the bad
// setting in one line.
Result<Config> ParseConfig(int argc, char** argv, const std::string& default_module);

const char* UsageText();

// The key database in the data dir.
std::string KeyDatabasePath(const Config& config);

}  // namespace trent
