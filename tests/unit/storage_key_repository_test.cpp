#include <catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

#include "storage/key_repository.h"
#include "tests/unit/raw_sqlite.h"
#include "tests/unit/temp_dir.h"

namespace fs = std::filesystem;
using trent::Bytes;
using trent::ErrorCode;
using trent::storage::AliasRow;
using trent::storage::KeyRepository;
using trent::storage::KeyRow;
using trent::storage::KeyVersionRow;
using trent::storage::KeyWrite;
using trent::storage::TagRow;

using trent::testing::RawExec;
using trent::testing::RawQuery;
using trent::testing::TempDir;

namespace {

std::unique_ptr<KeyRepository> OpenOrDie(const std::string& path) {
  auto repo = KeyRepository::Open(path);
  INFO(repo.status().message());
  REQUIRE(repo.ok());
  return std::move(repo).value();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Bytes Pattern(uint8_t seed, size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

KeyVersionRow Version(const std::string& key_id, uint8_t seed, int64_t created_at_ms) {
  KeyVersionRow v;
  v.version_id = Pattern(seed, 16);
  v.version_id[0] = 0;  // binary, with zero bytes inside
  v.version_id[7] = 0;
  v.key_id = key_id;
  v.created_at_ms = created_at_ms;
  v.wrapped_material = Pattern(seed + 1, 40);
  v.wrapped_material[5] = 0;
  v.key_material_id = std::string(64, static_cast<char>('a' + seed % 6));
  return v;
}

// Every field set, optional ones present.
KeyRow FullKey(const std::string& key_id, uint8_t seed) {
  KeyRow k;
  k.key_id = key_id;
  k.account = "111122223333";
  k.region = "eu-west-3";
  k.created_at_ms = 1700000000123;
  k.description = "d\xC3\xA9scription with 'quotes' and \"more\"";
  k.key_usage = "ENCRYPT_DECRYPT";
  k.key_spec = "SYMMETRIC_DEFAULT";
  k.origin = "AWS_KMS";
  k.key_manager = "CUSTOMER";
  k.multi_region = true;
  k.key_state = "PendingDeletion";
  k.deletion_date_ms = 1700600000000;
  k.pending_window_days = 7;
  k.policy = R"({"Version":"2012-10-17","Statement":[]})";
  // Out of creation order on purpose: they load in the order they were added, whatever their
  // times.
  k.versions = {Version(key_id, seed, 2000), Version(key_id, seed + 10, 1000),
                Version(key_id, seed + 20, 1000)};
  k.current_version_id = k.versions[0].version_id;
  k.tags = {{"env", "prod"}, {"team", ""}};
  return k;
}

// Optional fields absent, strings and blobs empty, no versions or tags.
KeyRow MinimalKey(const std::string& key_id) {
  KeyRow k;
  k.key_id = key_id;
  k.account = "111122223333";
  k.region = "us-east-1";
  k.created_at_ms = 5;
  k.key_usage = "ENCRYPT_DECRYPT";
  k.key_spec = "SYMMETRIC_DEFAULT";
  k.origin = "EXTERNAL";
  k.key_manager = "CUSTOMER";
  k.key_state = "PendingImport";
  return k;
}

void CheckSameKey(const KeyRow& got, const KeyRow& want) {
  INFO("key " << want.key_id);
  CHECK(got.key_id == want.key_id);
  CHECK(got.account == want.account);
  CHECK(got.region == want.region);
  CHECK(got.created_at_ms == want.created_at_ms);
  CHECK(got.description == want.description);
  CHECK(got.key_usage == want.key_usage);
  CHECK(got.key_spec == want.key_spec);
  CHECK(got.origin == want.origin);
  CHECK(got.key_manager == want.key_manager);
  CHECK(got.multi_region == want.multi_region);
  CHECK(got.key_state == want.key_state);
  CHECK(got.deletion_date_ms == want.deletion_date_ms);
  CHECK(got.pending_window_days == want.pending_window_days);
  CHECK(got.policy == want.policy);
  CHECK(got.current_version_id == want.current_version_id);
  REQUIRE(got.versions.size() == want.versions.size());
  for (size_t i = 0; i < want.versions.size(); ++i) {
    CHECK(got.versions[i].version_id == want.versions[i].version_id);
    CHECK(got.versions[i].key_id == want.key_id);
    CHECK(got.versions[i].created_at_ms == want.versions[i].created_at_ms);
    CHECK(got.versions[i].wrapped_material == want.versions[i].wrapped_material);
    CHECK(got.versions[i].key_material_id == want.versions[i].key_material_id);
  }
  REQUIRE(got.tags.size() == want.tags.size());
  for (size_t i = 0; i < want.tags.size(); ++i) {
    CHECK(got.tags[i].key == want.tags[i].key);
    CHECK(got.tags[i].value == want.tags[i].value);
  }
}

// `key` as LoadAll returns it: versions ordered by (created_at_ms, insertion).
// One write as its own batch; the seq of an inserted key.
trent::Result<int64_t> ApplyOne(KeyRepository& repo, KeyWrite::Kind kind, const KeyRow& key,
                                bool replace_tags = false) {
  std::vector<KeyWrite> writes{{kind, key, replace_tags}};
  TRY_STATUS(repo.Apply(writes));
  return writes[0].key.seq;
}
trent::Result<int64_t> Insert(KeyRepository& repo, const KeyRow& key) {
  return ApplyOne(repo, KeyWrite::Kind::kInsert, key);
}
trent::Status Delete(KeyRepository& repo, const std::string& key_id, int64_t seq) {
  KeyRow key;
  key.key_id = key_id;
  key.seq = seq;
  return ApplyOne(repo, KeyWrite::Kind::kDelete, key).status();
}

std::vector<KeyRow> LoadOrDie(KeyRepository& repo) {
  std::vector<KeyRow> keys;
  trent::Status loaded = repo.LoadAll([&](KeyRow& key) {
    keys.push_back(std::move(key));
    return trent::Status::Ok();
  });
  INFO(loaded.message());
  REQUIRE(loaded.ok());
  auto count = repo.CountKeys();
  REQUIRE(count.ok());
  CHECK(*count == keys.size());
  return keys;
}

}  // namespace

TEST_CASE("keys round-trip every field, in seq order, across a reopen") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  KeyRow full = FullKey("1234abcd-12ab-34cd-56ef-1234567890ab", 1);
  KeyRow minimal = MinimalKey("0000abcd-12ab-34cd-56ef-1234567890ab");  // sorts first by id
  {
    auto repo = OpenOrDie(path);
    CHECK(LoadOrDie(*repo).empty());
    auto seq1 = Insert(*repo, full);
    auto seq2 = Insert(*repo, minimal);
    REQUIRE(seq1.ok());
    REQUIRE(seq2.ok());
    CHECK(*seq2 > *seq1);

    auto keys = LoadOrDie(*repo);
    REQUIRE(keys.size() == 2);
    CHECK(keys[0].seq == *seq1);
    CHECK(keys[1].seq == *seq2);
    CheckSameKey(keys[0], full);
    CheckSameKey(keys[1], minimal);
    CHECK(keys[0].versions[0].created_at_ms == 2000);
    CHECK(keys[0].versions[1].version_id == full.versions[1].version_id);
  }
  auto repo = OpenOrDie(path);
  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 2);
  CheckSameKey(keys[0], full);
  CheckSameKey(keys[1], minimal);
  // seq keeps growing after a reopen.
  auto seq3 = Insert(*repo, MinimalKey("third"));
  REQUIRE(seq3.ok());
  CHECK(*seq3 > keys[1].seq);
}

// Rows as schema version 7 (made by MigrateOnlyTo) held them: key versions loaded by time, then
// insertion; tags and grants in insertion order; everything that hangs off a key refers to it
// by id; the last key made (seq 3) deleted since.
constexpr const char* kVersion7Rows = R"sql(
  INSERT INTO keys (key_id, account, region, created_at_ms, description, key_usage, key_spec,
                    origin, key_manager, multi_region, key_state, policy, current_version_id)
    VALUES ('a', '111122223333', 'us-east-1', 1, 'first', 'ENCRYPT_DECRYPT',
            'SYMMETRIC_DEFAULT', 'AWS_KMS', 'CUSTOMER', 0, 'Enabled', '', x'04'),
           ('b', '111122223333', 'us-east-1', 2, '', 'ENCRYPT_DECRYPT',
            'SYMMETRIC_DEFAULT', 'AWS_KMS', 'CUSTOMER', 0, 'Disabled', '', x'01'),
           ('gone', '111122223333', 'us-east-1', 3, '', 'ENCRYPT_DECRYPT',
            'SYMMETRIC_DEFAULT', 'AWS_KMS', 'CUSTOMER', 0, 'Enabled', '', x'09');
  DELETE FROM keys WHERE key_id = 'gone';
  INSERT INTO key_versions VALUES
    (x'01', 'b', 30, x'aa00', 'm1', '', NULL),
    (x'02', 'a', 20, x'bb00', 'm2', 'ON_DEMAND', x'0102'),
    (x'03', 'a', 10, x'cc00', 'm3', '', NULL),
    (x'04', 'a', 20, x'dd00', 'm4', 'AUTOMATIC', NULL);
  INSERT INTO tags VALUES ('a', 't1', 'v1'), ('b', 't2', 'v2'), ('a', 't0', 'v0');
  INSERT INTO aliases VALUES ('111122223333', 'us-east-1', 'alias/x', 'b', 5, 6);
  INSERT INTO grants VALUES
    ('g2', 'a', '', 'arn:aws:iam::111122223333:user/u', '', 'arn:aws:iam::111122223333:root',
     'Decrypt', '', 8),
    ('g1', 'a', 'n', 'arn:aws:iam::111122223333:user/u', '', 'arn:aws:iam::111122223333:root',
     'Encrypt Decrypt', 'EncryptionContextEquals', 7);
  INSERT INTO grant_constraint_pairs VALUES ('g1', 'k', 'v');
  INSERT INTO key_last_usage VALUES ('b', 'Encrypt', 9, 'r');
)sql";

TEST_CASE("a version-7 database keeps everything through versions 8 and 9") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  trent::testing::MigrateOnlyTo(path, 7);
  RawExec(path, kVersion7Rows);

  auto repo = OpenOrDie(path);
  CHECK(RawQuery(path, "PRAGMA user_version") == "9");
  // No index that a new key enters at a random place (tags go by key seq too).
  CHECK(RawQuery(path, "SELECT group_concat(name) FROM sqlite_master WHERE type = 'index'") ==
        "sqlite_autoindex_tags_1,sqlite_autoindex_grants_1,aliases_by_key,grants_by_key");
  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].key_id == "a");
  CHECK(keys[0].seq == 1);
  CHECK(keys[0].description == "first");
  CHECK(keys[1].key_id == "b");
  CHECK(keys[1].seq == 2);
  CHECK(keys[1].key_state == "Disabled");
  // Versions in the order version 7 loaded them: by time, then insertion.
  REQUIRE(keys[0].versions.size() == 3);
  CHECK(keys[0].versions[0].version_id == Bytes{0x03});
  CHECK(keys[0].versions[1].version_id == Bytes{0x02});
  CHECK(keys[0].versions[2].version_id == Bytes{0x04});
  const KeyVersionRow& v = keys[0].versions[1];
  CHECK(v.key_id == "a");
  CHECK(v.created_at_ms == 20);
  CHECK(v.wrapped_material == (Bytes{0xbb, 0x00}));
  CHECK(v.key_material_id == "m2");
  CHECK(v.rotation_type == "ON_DEMAND");
  CHECK(v.public_key == (Bytes{0x01, 0x02}));
  CHECK(keys[0].versions[0].public_key.empty());
  REQUIRE(keys[1].versions.size() == 1);
  CHECK(keys[1].versions[0].version_id == Bytes{0x01});
  REQUIRE(keys[0].tags.size() == 2);
  CHECK(keys[0].tags[0].key == "t1");
  CHECK(keys[0].tags[1].key == "t0");
  REQUIRE(keys[1].tags.size() == 1);
  CHECK(keys[1].tags[0].value == "v2");
  REQUIRE(keys[0].grants.size() == 2);
  CHECK(keys[0].grants[0].grant_id == "g2");
  CHECK(keys[0].grants[1].grant_id == "g1");
  CHECK(keys[0].grants[1].key_seq == 1);
  CHECK(keys[0].grants[1].operations == std::vector<std::string>{"Encrypt", "Decrypt"});
  CHECK(keys[0].grants[1].constraint_pairs ==
        std::vector<std::pair<std::string, std::string>>{{"k", "v"}});
  std::vector<AliasRow> aliases;
  REQUIRE(repo->LoadAliases([&](AliasRow& alias) {
                 aliases.push_back(alias);
                 return trent::Status::Ok();
               }).ok());
  REQUIRE(aliases.size() == 1);
  CHECK(aliases[0].alias_name == "alias/x");
  CHECK(aliases[0].target_key_id == "b");
  CHECK(aliases[0].target_key_seq == 2);
  CHECK(aliases[0].created_at_ms == 5);
  CHECK(aliases[0].updated_at_ms == 6);
  CHECK(RawQuery(path, "SELECT key_seq || ' ' || operation FROM key_last_usage") ==
        "2 Encrypt");

  // The numbering goes on after the deleted key's seq.
  auto seq = Insert(*repo, MinimalKey("new"));
  REQUIRE(seq.ok());
  CHECK(*seq == 4);
  // A version added now goes after the others, whatever its time.
  KeyRow rotated = keys[0];
  rotated.versions = {Version("a", 40, 5)};
  REQUIRE(ApplyOne(*repo, KeyWrite::Kind::kUpdate, rotated).ok());
  keys = LoadOrDie(*repo);
  REQUIRE(keys[0].versions.size() == 4);
  CHECK(keys[0].versions[3].version_id == rotated.versions[0].version_id);
  // A key still takes what hangs off it with it.
  REQUIRE(Delete(*repo, "b", 2).ok());
  CHECK(RawQuery(path, "SELECT count(*) FROM key_versions") == "4");
  CHECK(RawQuery(path, "SELECT count(*) FROM tags") == "2");
  CHECK(RawQuery(path, "SELECT count(*) FROM aliases") == "0");
  CHECK(RawQuery(path, "SELECT count(*) FROM key_last_usage") == "0");
  REQUIRE(Delete(*repo, "a", 1).ok());
  CHECK(RawQuery(path, "SELECT count(*) FROM grants") == "0");
  CHECK(RawQuery(path, "SELECT count(*) FROM grant_constraint_pairs") == "0");
  repo.reset();
  CHECK(RawQuery(path, "PRAGMA integrity_check") == "ok");
  CHECK(RawQuery(path, "PRAGMA foreign_key_check") == "");
}

TEST_CASE("a failed insert changes nothing") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  auto repo = OpenOrDie(path);
  KeyRow first = FullKey("key-1", 1);
  REQUIRE(Insert(*repo, first).ok());

  KeyRow duplicate_tag = FullKey("key-3", 110);
  duplicate_tag.tags.push_back({"env", "again"});
  CHECK_FALSE(Insert(*repo, duplicate_tag).ok());

  KeyRow foreign_version = FullKey("key-4", 140);
  foreign_version.versions[1].key_id = "key-1";
  CHECK_FALSE(Insert(*repo, foreign_version).ok());

  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 1);
  CheckSameKey(keys[0], first);
  CHECK(RawQuery(path, "SELECT count(*) FROM key_versions") == "3");
  CHECK(RawQuery(path, "SELECT count(*) FROM tags") == "2");

  // The repository is still usable after the failures.
  auto seq = Insert(*repo, FullKey("key-5", 170));
  REQUIRE(seq.ok());
  CHECK(*seq > keys[0].seq);
  CHECK(LoadOrDie(*repo).size() == 2);
}

TEST_CASE("an update rewrites the columns, adds versions and replaces tags only when asked") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  auto repo = OpenOrDie(path);
  KeyRow full = FullKey("k", 1);
  auto seq = Insert(*repo, full);
  REQUIRE(seq.ok());
  full.seq = *seq;
  REQUIRE(Insert(*repo, MinimalKey("other")).ok());

  KeyRow next = full;
  next.key_state = "Disabled";
  next.deletion_date_ms.reset();
  next.pending_window_days.reset();
  next.description = "rotated";
  next.versions = {Version("k", 90, 3000)};  // the version this update adds
  next.current_version_id = next.versions[0].version_id;
  next.tags = {{"only", "this"}};
  REQUIRE(ApplyOne(*repo, KeyWrite::Kind::kUpdate, next, /*replace_tags=*/false).ok());
  repo.reset();
  repo = OpenOrDie(path);
  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 2);
  KeyRow want = full;
  want.key_state = "Disabled";
  want.deletion_date_ms.reset();
  want.pending_window_days.reset();
  want.description = "rotated";
  want.versions.push_back(Version("k", 90, 3000));
  want.current_version_id = next.current_version_id;
  CheckSameKey(keys[0], want);  // tags kept
  CHECK(keys[1].key_state == "PendingImport");  // the other key is untouched

  KeyRow retag = keys[0];
  retag.versions.clear();
  retag.tags = {{"only", "this"}};
  REQUIRE(ApplyOne(*repo, KeyWrite::Kind::kUpdate, retag, /*replace_tags=*/true).ok());
  want.tags = {{"only", "this"}};
  CheckSameKey(LoadOrDie(*repo)[0], want);

  // Storage finds a key by its seq; the id must agree. Seq 0 names a key of the same batch.
  KeyRow missing = MinimalKey("nope");
  CHECK(ApplyOne(*repo, KeyWrite::Kind::kUpdate, missing).status().code() ==
        ErrorCode::kNotFound);
  missing.seq = full.seq;
  CHECK(ApplyOne(*repo, KeyWrite::Kind::kUpdate, missing).status().code() ==
        ErrorCode::kNotFound);
  CheckSameKey(LoadOrDie(*repo)[0], want);
}

TEST_CASE("a batch is applied in order in one transaction, or not at all") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  auto repo = OpenOrDie(path);
  KeyRow doomed = MinimalKey("doomed");
  auto doomed_seq = Insert(*repo, doomed);
  REQUIRE(doomed_seq.ok());
  doomed.seq = *doomed_seq;

  KeyRow disabled = MinimalKey("b");  // seq 0: the key inserted before it in the batch
  disabled.key_state = "Disabled";
  std::vector<KeyWrite> batch{{KeyWrite::Kind::kInsert, MinimalKey("a")},
                              {KeyWrite::Kind::kInsert, MinimalKey("b")},
                              {KeyWrite::Kind::kUpdate, disabled},  // sees the insert before it
                              {KeyWrite::Kind::kDelete, doomed}};
  REQUIRE(repo->Apply(batch).ok());
  CHECK(batch[1].key.seq == batch[0].key.seq + 1);
  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].key_id == "a");
  CHECK(keys[0].seq == batch[0].key.seq);
  CHECK(keys[1].key_state == "Disabled");

  // The last write fails: the first, valid on its own, is not applied either.
  std::vector<KeyWrite> failing{{KeyWrite::Kind::kInsert, MinimalKey("c")},
                                {KeyWrite::Kind::kDelete, doomed}};
  CHECK(repo->Apply(failing).code() == ErrorCode::kNotFound);
  CHECK(LoadOrDie(*repo).size() == 2);
  KeyRow other_batch = MinimalKey("c");  // seq 0, but inserted in no batch before
  std::vector<KeyWrite> unknown{{KeyWrite::Kind::kInsert, MinimalKey("d")},
                                {KeyWrite::Kind::kUpdate, other_batch}};
  CHECK(repo->Apply(unknown).code() == ErrorCode::kNotFound);
  CHECK(LoadOrDie(*repo).size() == 2);
  CHECK(RawQuery(path, "SELECT count(*) FROM keys WHERE key_id = 'c'") == "0");
}

TEST_CASE("a delete removes the key with its versions, tags and aliases") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  auto repo = OpenOrDie(path);
  auto seq_a = Insert(*repo, FullKey("a", 1));
  REQUIRE(seq_a.ok());
  auto seq_b = Insert(*repo, FullKey("b", 100));
  REQUIRE(seq_b.ok());
  std::vector<KeyWrite> aliases(2);
  aliases[0].kind = aliases[1].kind = KeyWrite::Kind::kPutAlias;
  aliases[0].alias = {"111122223333", "us-east-1", "alias/of-a", "a", *seq_a, 1, 1};
  aliases[1].alias = {"111122223333", "us-east-1", "alias/of-b", "b", *seq_b, 1, 1};
  REQUIRE(repo->Apply(aliases).ok());

  CHECK(Delete(*repo, "b", *seq_a).code() == ErrorCode::kNotFound);  // a seq of another key
  REQUIRE(Delete(*repo, "a", *seq_a).ok());
  CHECK(Delete(*repo, "a", *seq_a).code() == ErrorCode::kNotFound);
  CHECK(Delete(*repo, "never", 0).code() == ErrorCode::kNotFound);
  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 1);
  CheckSameKey(keys[0], FullKey("b", 100));
  CHECK(RawQuery(path, "SELECT count(*) FROM key_versions WHERE key_seq = " +
                          std::to_string(*seq_a)) == "0");
  CHECK(RawQuery(path, "SELECT count(*) FROM tags WHERE key_seq = " + std::to_string(*seq_a)) ==
        "0");
  CHECK(RawQuery(path, "SELECT count(*) FROM key_versions") == "3");
  CHECK(RawQuery(path, "SELECT count(*) FROM tags") == "2");
  CHECK(RawQuery(path, "SELECT group_concat(alias_name) FROM aliases") == "alias/of-b");

  repo.reset();
  repo = OpenOrDie(path);
  CHECK(LoadOrDie(*repo).size() == 1);
}

namespace {

trent::storage::GrantRow Grant(const std::string& key_id, int64_t key_seq,
                               const std::string& grant_id) {
  trent::storage::GrantRow g;
  g.grant_id = grant_id;
  g.key_id = key_id;
  g.key_seq = key_seq;
  g.grantee_principal = "arn:aws:iam::111122223333:user/alice";
  g.issuing_account = "arn:aws:iam::111122223333:root";
  g.operations = {"Encrypt", "Decrypt"};
  g.created_at_ms = 1700000000999;
  return g;
}

trent::Status ApplyGrant(KeyRepository& repo, KeyWrite::Kind kind,
                         const trent::storage::GrantRow& grant) {
  std::vector<KeyWrite> writes(1);
  writes[0].kind = kind;
  writes[0].grant = grant;
  return repo.Apply(writes);
}

}  // namespace

TEST_CASE("grants are stored one by one, load in creation order, and go with their key") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  auto repo = OpenOrDie(path);
  auto a = Insert(*repo, FullKey("a", 1));
  auto b = Insert(*repo, MinimalKey("b"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto full = Grant("a", *a, "g2");
  full.name = "named";
  full.retiring_principal = "arn:aws:iam::111122223333:role/admin";
  full.operations = {"Decrypt"};
  full.constraint = "EncryptionContextSubset";
  full.constraint_pairs = {{"Department", "IT"}, {"k \"q\"", "v\xC3\xA9"}};
  REQUIRE(ApplyGrant(*repo, KeyWrite::Kind::kPutGrant, Grant("a", *a, "g9")).ok());
  REQUIRE(ApplyGrant(*repo, KeyWrite::Kind::kPutGrant, full).ok());
  REQUIRE(ApplyGrant(*repo, KeyWrite::Kind::kPutGrant, Grant("b", *b, "g1")).ok());
  // A grant id is stored once; a grant of an unknown key, or naming another key's seq, is
  // refused.
  CHECK_FALSE(ApplyGrant(*repo, KeyWrite::Kind::kPutGrant, Grant("b", *b, "g9")).ok());
  CHECK_FALSE(ApplyGrant(*repo, KeyWrite::Kind::kPutGrant, Grant("zz", 0, "g3")).ok());
  CHECK_FALSE(ApplyGrant(*repo, KeyWrite::Kind::kPutGrant, Grant("zz", *b + 1, "g3")).ok());
  CHECK_FALSE(ApplyGrant(*repo, KeyWrite::Kind::kPutGrant, Grant("b", *a, "g3")).ok());

  repo.reset();
  repo = OpenOrDie(path);
  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 2);
  REQUIRE(keys[0].grants.size() == 2);
  CHECK(keys[0].grants[0].grant_id == "g9");
  CHECK(keys[0].grants[0].operations == std::vector<std::string>{"Encrypt", "Decrypt"});
  CHECK(keys[0].grants[0].constraint.empty());
  CHECK(keys[0].grants[0].constraint_pairs.empty());
  const auto& g = keys[0].grants[1];
  CHECK(g.grant_id == "g2");
  CHECK(g.key_id == "a");
  CHECK(g.key_seq == *a);
  CHECK(g.name == "named");
  CHECK(g.grantee_principal == full.grantee_principal);
  CHECK(g.retiring_principal == full.retiring_principal);
  CHECK(g.issuing_account == full.issuing_account);
  CHECK(g.operations == std::vector<std::string>{"Decrypt"});
  CHECK(g.constraint == "EncryptionContextSubset");
  CHECK(g.constraint_pairs == full.constraint_pairs);
  CHECK(g.created_at_ms == full.created_at_ms);
  REQUIRE(keys[1].grants.size() == 1);
  CHECK(keys[1].grants[0].grant_id == "g1");

  REQUIRE(ApplyGrant(*repo, KeyWrite::Kind::kDeleteGrant, full).ok());
  CHECK(ApplyGrant(*repo, KeyWrite::Kind::kDeleteGrant, full).code() == ErrorCode::kNotFound);
  CHECK(RawQuery(path, "SELECT count(*) FROM grant_constraint_pairs") == "0");
  REQUIRE(Delete(*repo, "b", *b).ok());
  CHECK(RawQuery(path, "SELECT count(*) FROM grants") == "1");
  keys = LoadOrDie(*repo);
  REQUIRE(keys.size() == 1);
  REQUIRE(keys[0].grants.size() == 1);
  CHECK(keys[0].grants[0].grant_id == "g9");
}

TEST_CASE("a delete overwrites the deleted wrapped material in the files") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  const std::string marker =
      "TRENT-SECURE-DELETE-CHECK:0123456789abcdefghijklmnopqrstuvwxyz!!";
  REQUIRE(marker.size() == 64);
  auto files_contain_marker = [&] {
    return ReadFile(path).find(marker) != std::string::npos ||
           ReadFile(path + "-wal").find(marker) != std::string::npos;
  };

  auto repo = OpenOrDie(path);
  REQUIRE(Insert(*repo, FullKey("before", 1)).ok());
  KeyRow doomed = FullKey("doomed", 40);
  doomed.versions[1].wrapped_material = trent::ToBytes(marker);
  auto doomed_seq = Insert(*repo, doomed);
  REQUIRE(doomed_seq.ok());
  REQUIRE(Insert(*repo, FullKey("after", 80)).ok());
  // Push everything into the main file too, so both places are exercised.
  repo.reset();
  repo = OpenOrDie(path);
  REQUIRE(files_contain_marker());  // the search itself works

  REQUIRE(Delete(*repo, "doomed", *doomed_seq).ok());
  CHECK_FALSE(files_contain_marker());
  repo.reset();
  CHECK_FALSE(files_contain_marker());
  repo = OpenOrDie(path);
  CHECK(LoadOrDie(*repo).size() == 2);
}

TEST_CASE("migrations: an up-to-date database is left alone, a newer one is refused") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  {
    auto repo = OpenOrDie(path);
    REQUIRE(Insert(*repo, FullKey("kept", 1)).ok());
  }
  // The latest version, whatever its number.
  std::string latest = RawQuery(path, "PRAGMA user_version");
  CHECK(std::stoi(latest) >= 2);
  std::string before = ReadFile(path);
  {
    auto repo = OpenOrDie(path);  // nothing to apply: the file does not change
    CHECK(LoadOrDie(*repo).size() == 1);
  }
  CHECK(ReadFile(path) == before);
  CHECK(RawQuery(path, "PRAGMA user_version") == latest);

  RawQuery(path, "PRAGMA user_version = 1000");
  auto newer = KeyRepository::Open(path);
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.status().code() == ErrorCode::kInternal);
  CHECK_THAT(newer.status().message(), Catch::Contains(path));
  CHECK_THAT(newer.status().message(), Catch::Contains("newer trent"));
  CHECK(RawQuery(path, "SELECT count(*) FROM keys") == "1");
}

TEST_CASE("Open refuses what is not a usable trent database, with the path and the reason") {
  TempDir dir;
  auto check_fails = [](const std::string& path, const std::string& reason) {
    auto repo = KeyRepository::Open(path);
    REQUIRE_FALSE(repo.ok());
    INFO(repo.status().message());
    CHECK(repo.status().code() == ErrorCode::kInternal);
    CHECK_THAT(repo.status().message(), Catch::Contains(path));
    CHECK_THAT(repo.status().message(), Catch::Contains(reason));
  };

  SECTION("a directory") {
    fs::create_directory(dir.File("adir"));
    check_fails(dir.File("adir"), "unable to open database file");
  }
  SECTION("a path under a regular file") {
    std::ofstream(dir.File("plain")) << "x";
    check_fails(dir.File("plain") + "/trent.db", "unable to open database file");
  }
  SECTION("a path under a missing directory") {
    check_fails(dir.File("missing/trent.db"), "unable to open database file");
  }
  SECTION("a file that is not a database") {
    std::ofstream(dir.File("junk.db")) << std::string(8192, 'j');
    check_fails(dir.File("junk.db"), "file is not a database");
  }
  SECTION("another program's database") {
    std::string path = dir.File("other.db");
    RawQuery(path, "PRAGMA application_id = 42");
    check_fails(path, "not a trent database");
  }
  SECTION("a read-only file") {
    if (geteuid() == 0) return;  // root writes anyway
    std::string path = dir.File("ro.db");
    OpenOrDie(path).reset();
    fs::permissions(path, fs::perms::owner_read);
    check_fails(path, "not writable");
  }
}

namespace {

KeyRow CrashKey(int i) {
  KeyRow k = FullKey("crash-" + std::to_string(i), static_cast<uint8_t>(i));
  // Version ids must be unique across keys: put the key's number in them.
  for (KeyVersionRow& v : k.versions) {
    for (int b = 0; b < 4; ++b) v.version_id[8 + b] = static_cast<uint8_t>(i >> (8 * b));
  }
  k.current_version_id = k.versions[0].version_id;
  return k;
}

}  // namespace

TEST_CASE("every acknowledged insert survives a kill -9") {
  TempDir dir;
  std::string path = dir.File("trent.db");
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: insert until killed, acknowledging each committed key on the pipe.
    close(fds[0]);
    auto repo = KeyRepository::Open(path);
    if (!repo.ok()) _exit(2);
    for (int i = 0; i < 1000000; ++i) {
      if (!Insert(**repo, CrashKey(i)).ok()) _exit(3);
      std::string line = std::to_string(i) + "\n";  // one write, atomic on a pipe
      if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
    }
    _exit(5);
  }
  close(fds[1]);

  std::string acks;
  auto read_some = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) return false;
    acks.append(buf, static_cast<size_t>(n));
    return true;
  };
  auto first_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (acks.empty() && std::chrono::steady_clock::now() < first_deadline) read_some(100);
  auto kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < kill_at) read_some(10);
  kill(pid, SIGKILL);
  int wstatus = 0;
  REQUIRE(waitpid(pid, &wstatus, 0) == pid);
  while (read_some(1000)) {
  }
  close(fds[0]);
  INFO("child status " << wstatus);
  REQUIRE(WIFSIGNALED(wstatus));
  REQUIRE(WTERMSIG(wstatus) == SIGKILL);

  std::set<std::string> acked;
  std::istringstream lines(acks);
  for (std::string line; std::getline(lines, line);) acked.insert(line);
  REQUIRE(!acked.empty());

  auto repo = OpenOrDie(path);
  auto keys = LoadOrDie(*repo);
  REQUIRE(keys.size() >= acked.size());  // the one in flight may have committed unacknowledged
  std::set<std::string> present;
  for (const KeyRow& k : keys) {
    int i = std::stoi(k.key_id.substr(6));
    CheckSameKey(k, CrashKey(i));
    present.insert(std::to_string(i));
  }
  for (const std::string& i : acked) CHECK(present.count(i) == 1);
  repo.reset();
  CHECK(RawQuery(path, "PRAGMA integrity_check") == "ok");
  CHECK(RawQuery(path, "PRAGMA foreign_key_check") == "");
}
