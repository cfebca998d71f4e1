// Durable key metadata in SQLite: keys, their versions (wrapped material), tags, aliases,
// grants.
// The only module that speaks SQL. Every batch of writes is one transaction, committed
// (synchronous=FULL, WAL) before it returns: what it acknowledged survives a kill -9.
//
// Thread-safe: calls are serialised internally.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace trent::storage {

struct KeyVersionRow {
  Bytes version_id;            // 16 bytes; carried in every ciphertext made with it
  std::string key_id;          // owning key (uuid text)
  int64_t created_at_ms = 0;
  Bytes wrapped_material;      // wrapped under the HSM domain key
  std::string key_material_id; // 64 hex chars, AWS's KeyMaterialId
  std::string rotation_type;   // AUTOMATIC, ON_DEMAND; empty for a key's first material
  Bytes public_key;            // a key pair's DER SubjectPublicKeyInfo; empty (NULL) otherwise
};

struct TagRow {
  std::string key;
  std::string value;
};

// One grant of a key (policy::Grant as stored). At most one constraint kind.
struct GrantRow {
  std::string grant_id;             // 64 hex characters
  std::string key_id;
  int64_t key_seq = 0;              // the key's seq (0 when writing: a key of the same batch)
  std::string name;                 // empty: none
  std::string grantee_principal;
  std::string retiring_principal;   // empty: none
  std::string issuing_account;      // "arn:aws:iam::<account>:root"
  std::vector<std::string> operations;
  std::string constraint;           // "", "EncryptionContextEquals" or "EncryptionContextSubset"
  std::vector<std::pair<std::string, std::string>> constraint_pairs;
  int64_t created_at_ms = 0;
};

struct KeyRow {
  int64_t seq = 0;             // creation order (assigned when inserted), used for paging
  std::string key_id;          // uuid text
  std::string account;         // 12 digits
  std::string region;
  int64_t created_at_ms = 0;
  std::string description;
  std::string key_usage;       // ENCRYPT_DECRYPT, ...
  std::string key_spec;        // SYMMETRIC_DEFAULT, ...
  std::string origin;          // AWS_KMS, ...
  std::string key_manager;     // CUSTOMER / AWS
  bool multi_region = false;
  std::string key_state;       // Enabled, Disabled, PendingDeletion, ...
  std::optional<int64_t> deletion_date_ms;
  std::optional<int32_t> pending_window_days;
  std::string policy;          // JSON text, empty if none stored
  Bytes current_version_id;
  std::optional<int32_t> rotation_period_days;  // both set while automatic rotation is on
  std::optional<int64_t> next_rotation_ms;
  std::vector<KeyVersionRow> versions;
  std::vector<TagRow> tags;
  std::vector<GrantRow> grants;  // in creation order; filled by LoadAll only
};

// One alias of (account, region), naming the key it points to.
struct AliasRow {
  std::string account;
  std::string region;
  std::string alias_name;      // "alias/..."
  std::string target_key_id;
  int64_t target_key_seq = 0;  // its seq (0 when writing: a key inserted in the same batch)
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// One change to the keys table and what hangs off it, applied by KeyRepository::Apply.
// Storage keeps no index of key ids: a write names its key by seq and id (key.seq,
// alias.target_key_seq, grant.key_seq), and a seq of 0 names the key of that id inserted
// earlier in the same batch.
struct KeyWrite {
  enum class Kind { kInsert, kUpdate, kDelete, kPutAlias, kDeleteAlias, kPutGrant, kDeleteGrant };
  Kind kind = Kind::kInsert;
  // kInsert: the whole key; Apply sets its seq.
  // kUpdate: the key named gets every other column of `key`, gains
  //   key.versions after those stored (which never change: key.versions holds only versions
  //   new to the key), and, when replace_tags, has its tags replaced by key.tags. Apply sets
  //   its seq.
  // kDelete: the key named goes, with its versions, tags, aliases, grants and last usage.
  // kPutAlias: `alias` is stored, in place of the alias of the same name if there is one.
  // kDeleteAlias: the alias named by alias's (account, region, alias_name) goes.
  // kPutGrant: `grant` is added to its key (a grant id already stored fails: grants never
  //   change once made).
  // kDeleteGrant: the grant named by grant.grant_id goes.
  KeyRow key;
  bool replace_tags = false;
  AliasRow alias = {};
  GrantRow grant = {};
};

class KeyRepository {
 public:
  // Opens (creating if needed) the database at `path`, sets WAL and FULL sync, and runs
  // every pending migration in order.
  static Result<std::unique_ptr<KeyRepository>> Open(const std::string& path);
  virtual ~KeyRepository() = default;

  // Calls `each` with every key, with its versions, tags and grants, in seq order, all from one
  // snapshot, one key at a time (never the whole table in memory at once). Stops at the first
  // error `each` returns, and returns it. Used once at startup.
  virtual Status LoadAll(const std::function<Status(KeyRow&)>& each) = 0;
  // Calls `each` with every alias, in (account, region, alias_name) order. Used once at
  // startup, after LoadAll.
  virtual Status LoadAliases(const std::function<Status(AliasRow&)>& each) = 0;
  // How many keys there are now: lets a caller size what LoadAll is about to fill.
  virtual Result<size_t> CountKeys() = 0;

  // Applies `writes` in order in one transaction, committed with a single fsync before it
  // returns (group commit). All or nothing: when any write fails (a kUpdate or kDelete of a
  // missing key, a kDeleteAlias of a missing alias, a kDeleteGrant of a missing grant is kNotFound), none is applied. Deleted
  // wrapped material is overwritten in the files (secure_delete, then a WAL checkpoint).
  virtual Status Apply(std::vector<KeyWrite>& writes) = 0;
};

}  // namespace trent::storage
