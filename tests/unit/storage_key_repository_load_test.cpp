// KeyRepository::LoadAll streams the keys one at a time, each with exactly its own versions
// and tags, against a real SQLite file.
#include <catch.hpp>


#include <filesystem>
#include <string>
#include <vector>

#include "storage/key_repository.h"
#include "tests/unit/softhsm_dir.h"

namespace fs = std::filesystem;
using trent::Bytes;
using trent::Status;
using trent::storage::KeyRepository;
using trent::storage::KeyRow;
using trent::storage::KeyWrite;

namespace {

using trent::testing::TempDir;

// A key with a version per entry of `version_created_at` (in that insertion order) and a tag
// per entry of `tag_keys`.
KeyRow Key(const std::string& id, std::vector<int64_t> version_created_at,
           std::vector<std::string> tag_keys) {
  KeyRow k;
  k.key_id = id;
  k.account = "111122223333";
  k.region = "us-east-1";
  k.key_usage = "ENCRYPT_DECRYPT";
  k.key_spec = "SYMMETRIC_DEFAULT";
  k.origin = "AWS_KMS";
  k.key_manager = "CUSTOMER";
  k.key_state = "Enabled";
  k.current_version_id = Bytes(16, 0);
  for (int64_t at : version_created_at) {
    Bytes version_id(16, static_cast<uint8_t>(at));
    version_id[0] = static_cast<uint8_t>(id[0]);
    k.versions.push_back({version_id, id, at, Bytes(40, 7), std::string(64, 'a'), "", {}});
  }
  for (const std::string& tag : tag_keys) k.tags.push_back({tag, tag + "-value"});
  return k;
}

}  // namespace

TEST_CASE("LoadAll hands out each key once, in seq order, with its own versions and tags") {
  TempDir dir;
  auto repo = KeyRepository::Open((dir.path / "trent.db").string());
  REQUIRE(repo.ok());
  // b sorts first by id but comes second by seq; c has no versions; versions of a are stored
  // out of creation order, and load in the order they were added.
  std::vector<KeyWrite> writes = {
      {KeyWrite::Kind::kInsert, Key("a-key", {30, 10, 20}, {"t1"})},
      {KeyWrite::Kind::kInsert, Key("9-key", {5}, {"t2", "t3"})},
      {KeyWrite::Kind::kInsert, Key("c-key", {}, {})},
      {KeyWrite::Kind::kInsert, Key("d-key", {1, 2}, {})},
  };
  REQUIRE((*repo)->Apply(writes).ok());

  std::vector<KeyRow> loaded;
  Status status = (*repo)->LoadAll([&](KeyRow& key) {
    loaded.push_back(std::move(key));
    return Status::Ok();
  });
  REQUIRE(status.ok());
  auto count = (*repo)->CountKeys();
  REQUIRE(count.ok());
  CHECK(*count == 4);

  REQUIRE(loaded.size() == 4);
  CHECK(loaded[0].key_id == "a-key");
  CHECK(loaded[1].key_id == "9-key");
  CHECK(loaded[2].key_id == "c-key");
  CHECK(loaded[3].key_id == "d-key");
  for (size_t i = 1; i < loaded.size(); ++i) CHECK(loaded[i].seq > loaded[i - 1].seq);

  REQUIRE(loaded[0].versions.size() == 3);
  CHECK(loaded[0].versions[0].created_at_ms == 30);
  CHECK(loaded[0].versions[1].created_at_ms == 10);
  CHECK(loaded[0].versions[2].created_at_ms == 20);
  REQUIRE(loaded[0].tags.size() == 1);
  CHECK(loaded[0].tags[0].key == "t1");

  REQUIRE(loaded[1].versions.size() == 1);
  CHECK(loaded[1].versions[0].version_id == writes[1].key.versions[0].version_id);
  REQUIRE(loaded[1].tags.size() == 2);
  CHECK(loaded[1].tags[1].value == "t3-value");

  CHECK(loaded[2].versions.empty());
  CHECK(loaded[2].tags.empty());
  CHECK(loaded[3].versions.size() == 2);
  for (const KeyRow& key : loaded) {
    for (const auto& v : key.versions) CHECK(v.key_id == key.key_id);
  }
}

TEST_CASE("LoadAll stops at the first error of its caller, and a later load starts afresh") {
  TempDir dir;
  auto repo = KeyRepository::Open((dir.path / "trent.db").string());
  REQUIRE(repo.ok());
  std::vector<KeyWrite> writes;
  for (char c : std::string("abc")) {
    writes.push_back({KeyWrite::Kind::kInsert, Key(std::string(1, c) + "-key", {1}, {})});
  }
  REQUIRE((*repo)->Apply(writes).ok());

  int calls = 0;
  Status status = (*repo)->LoadAll([&](KeyRow&) {
    return ++calls == 2 ? trent::InternalError("refused") : Status::Ok();
  });
  CHECK(status.message() == "refused");
  CHECK(calls == 2);

  // The read transaction ended: writes and a full load go on.
  std::vector<KeyWrite> more = {{KeyWrite::Kind::kInsert, Key("d-key", {1}, {})}};
  REQUIRE((*repo)->Apply(more).ok());
  calls = 0;
  REQUIRE((*repo)->LoadAll([&](KeyRow&) {
    ++calls;
    return Status::Ok();
  }).ok());
  CHECK(calls == 4);
}
