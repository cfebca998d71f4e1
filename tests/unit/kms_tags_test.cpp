#include <catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "server/kms/tags.h"

using namespace trent;
using namespace trent::kms;

namespace {

std::vector<Tag> Numbered(size_t n) {
  std::vector<Tag> tags;
  for (size_t i = 0; i < n; ++i) tags.push_back({"t" + std::to_string(i), ""});
  return tags;
}

std::string MessageOf(const std::vector<Tag>& tags) {
  Status s = CheckTags(tags);
  if (!s.ok()) CHECK(s.code() == ErrorCode::kTag);
  return s.message();
}

}  // namespace

TEST_CASE("up to fifty distinct tags are allowed") {
  CHECK(CheckTags({}).ok());
  CHECK(CheckTags(Numbered(kMaxTagsPerKey)).ok());
  CHECK(MessageOf(Numbered(kMaxTagsPerKey + 1)) == "Too many tags");
}

TEST_CASE("tag keys are unique, case-sensitively") {
  CHECK(MessageOf({{"k", "1"}, {"x", ""}, {"k", "2"}}) == "Duplicate tag keys");
  CHECK(CheckTags({{"k", "1"}, {"K", "2"}}).ok());
}

TEST_CASE("the aws: prefix is reserved in any case") {
  for (const char* key : {"aws:", "aws:x", "AWS:x", "aWs:x"}) {
    CHECK(MessageOf({{"ok", ""}, {key, "v"}}) == "Tags beginning with aws: are reserved");
  }
  for (const char* key : {"aws", "awsx", "aws-x", "x:aws:", ""}) {
    CHECK(CheckTags({{key, "v"}}).ok());
  }
}

TEST_CASE("duplicates are reported before the count, the count before the prefix") {
  std::vector<Tag> tags = Numbered(60);
  tags.push_back({"aws:x", ""});
  CHECK(MessageOf(tags) == "Too many tags");
  tags.push_back({"t0", ""});
  CHECK(MessageOf(tags) == "Duplicate tag keys");
}

TEST_CASE("thirty thousand tags with one duplicate are checked quickly") {
  std::vector<Tag> tags = Numbered(30000);
  tags.push_back({"t29999", ""});
  auto start = std::chrono::steady_clock::now();
  CHECK(MessageOf(tags) == "Duplicate tag keys");
  auto took = std::chrono::steady_clock::now() - start;
  // The quadratic check took 0.8 s; sorting 30k short keys takes a few milliseconds (the bound
  // leaves room for sanitizers and a loaded machine).
  CHECK(took < std::chrono::milliseconds(500));
}

TEST_CASE("AddTags overwrites in place, appends, and counts the result") {
  std::vector<Tag> tags = {{"a", "1"}, {"b", "2"}};
  REQUIRE(AddTags(tags, {{"c", "3"}, {"a", "one"}}).ok());
  REQUIRE(tags.size() == 3);
  CHECK((tags[0].key == "a" && tags[0].value == "one"));
  CHECK(tags[1].key == "b");
  CHECK((tags[2].key == "c" && tags[2].value == "3"));

  std::vector<Tag> full = Numbered(kMaxTagsPerKey);
  REQUIRE(AddTags(full, {{"t0", "changed"}}).ok());  // overwriting adds nothing
  CHECK(full[0].value == "changed");
  std::vector<Tag> unchanged = full;
  Status refused = AddTags(full, {{"t1", "x"}, {"new", ""}});
  CHECK(refused.code() == ErrorCode::kTag);
  CHECK(refused.message() == "Too many tags");
  CHECK(full.size() == unchanged.size());
  CHECK(full[1].value == unchanged[1].value);  // a refused edit changes nothing
}

TEST_CASE("RemoveTags removes the named keys and ignores others") {
  std::vector<Tag> tags = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  RemoveTags(tags, {"b", "missing"});
  REQUIRE(tags.size() == 2);
  CHECK(tags[0].key == "a");
  CHECK(tags[1].key == "c");
}
