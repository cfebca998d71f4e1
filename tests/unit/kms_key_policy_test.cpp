// Key policies in the key store: the default policy of a key made without one, the size quota,
// and the parsed document every key the store makes or loads holds.
#include <catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "server/kms/aws_managed_keys.h"
#include "server/kms/key_policy.h"
#include "server/kms/key_store.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

using namespace trent;
using namespace trent::kms;

namespace {

NewKeySpec Spec(std::string policy = "") {
  NewKeySpec spec;
  spec.account = "444455556666";
  spec.region = "us-east-1";
  spec.policy = std::move(policy);
  return spec;
}

// A valid key policy padded with spaces to `size` bytes.
std::string PolicyOfSize(size_t size) {
  std::string base =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},)"
      R"("Action":"kms:*","Resource":"*"}]})";
  REQUIRE(size >= base.size());
  base.insert(base.size() - 1, size - base.size(), ' ');
  return base;
}

}  // namespace

TEST_CASE("the default key policy is AWS's text for the account") {
  CHECK(DefaultKeyPolicy("444455556666") ==
        "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n"
        "  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n"
        "    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n"
        "      \"AWS\" : \"arn:aws:iam::444455556666:root\"\n    },\n"
        "    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}");
  CHECK(ParseKeyPolicy(DefaultKeyPolicy("444455556666")).ok());
}

TEST_CASE("AWS's layout of its own policies") {
  auto laid_out = AwsPolicyText(
      R"({"Version":"2012-10-17","Statement":[{"Sid":"a \"b\"","Action":["x","y"],)"
      R"("Condition":{"Bool":{"k":"true"}}},{"Effect":"Deny"}]})");
  REQUIRE(laid_out.ok());
  CHECK(*laid_out ==
        "{\n"
        "  \"Version\" : \"2012-10-17\",\n"
        "  \"Statement\" : [ {\n"
        "    \"Sid\" : \"a \\\"b\\\"\",\n"
        "    \"Action\" : [ \"x\", \"y\" ],\n"
        "    \"Condition\" : {\n"
        "      \"Bool\" : {\n"
        "        \"k\" : \"true\"\n"
        "      }\n"
        "    }\n"
        "  }, {\n"
        "    \"Effect\" : \"Deny\"\n"
        "  } ]\n"
        "}");
  CHECK(AwsPolicyText("{not json").status().code() == ErrorCode::kInternal);
}

TEST_CASE("every AWS managed key's policy is AWS's, laid out as AWS does, and a valid policy") {
  for (const AwsManagedAlias& alias : PredefinedAwsAliases()) {
    INFO(alias.alias_name);
    auto text = AwsManagedKeyPolicy(alias, "444455556666", "eu-west-3");
    REQUIRE(text.ok());
    CHECK(text->find("{account}") == std::string::npos);
    CHECK(text->find("{region}") == std::string::npos);
    CHECK(text->starts_with("{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"auto-"));
    CHECK(text->find("\"kms:CallerAccount\" : \"444455556666\"") != std::string::npos);
    CHECK(ParseKeyPolicy(*text).ok());
  }
  // As GetKeyPolicy shows aws/ebs's (ViaService is EC2's, in the key's region).
  auto ebs = AwsManagedKeyPolicy(*FindPredefinedAwsAlias("alias/aws/ebs"), "444455556666",
                                 "eu-west-3");
  REQUIRE(ebs.ok());
  CHECK(*ebs ==
        "{\n"
        "  \"Version\" : \"2012-10-17\",\n"
        "  \"Id\" : \"auto-ebs-2\",\n"
        "  \"Statement\" : [ {\n"
        "    \"Sid\" : \"Allow access through EBS for all principals in the account that are "
        "authorized to use EBS\",\n"
        "    \"Effect\" : \"Allow\",\n"
        "    \"Principal\" : {\n"
        "      \"AWS\" : \"*\"\n"
        "    },\n"
        "    \"Action\" : [ \"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", "
        "\"kms:GenerateDataKey*\", \"kms:CreateGrant\", \"kms:DescribeKey\" ],\n"
        "    \"Resource\" : \"*\",\n"
        "    \"Condition\" : {\n"
        "      \"StringEquals\" : {\n"
        "        \"kms:CallerAccount\" : \"444455556666\",\n"
        "        \"kms:ViaService\" : \"ec2.eu-west-3.amazonaws.com\"\n"
        "      }\n"
        "    }\n"
        "  }, {\n"
        "    \"Sid\" : \"Allow direct access to key metadata to the account\",\n"
        "    \"Effect\" : \"Allow\",\n"
        "    \"Principal\" : {\n"
        "      \"AWS\" : \"arn:aws:iam::444455556666:root\"\n"
        "    },\n"
        "    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\", "
        "\"kms:RevokeGrant\" ],\n"
        "    \"Resource\" : \"*\"\n"
        "  } ]\n"
        "}");
}

TEST_CASE("a key policy may be 32768 bytes, not one more") {
  auto at_quota = ParseKeyPolicy(PolicyOfSize(kMaxKeyPolicyBytes));
  CHECK(at_quota.ok());
  auto over = ParseKeyPolicy(PolicyOfSize(kMaxKeyPolicyBytes + 1));
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == ErrorCode::kLimitExceeded);
  auto malformed = ParseKeyPolicy("{}");
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.status().code() == ErrorCode::kMalformedPolicyDocument);
}

TEST_CASE("every key the store makes or loads holds its policy text and parsed document") {
  testing::TempDir dir;
  testing::OpenStore open(dir.path);
  const std::string custom = PolicyOfSize(200);
  auto made_default = open.keys->Create(Spec(), 0);
  auto made_custom = open.keys->Create(Spec(custom), 0);
  auto another_default = open.keys->Create(Spec(), 0);
  REQUIRE(made_default.ok());
  REQUIRE(made_custom.ok());
  REQUIRE(another_default.ok());
  CHECK((*made_default)->policy->text == DefaultKeyPolicy("444455556666"));
  CHECK((*made_default)->policy->document != nullptr);
  CHECK((*made_custom)->policy->text == custom);
  CHECK((*made_custom)->policy->document != nullptr);
  // Keys of an account made without a policy share its one default, text and document.
  CHECK((*another_default)->policy == (*made_default)->policy);

  // A chosen id is kept (CreateKey chooses it to check a policy against the key's ARN).
  NewKeySpec chosen = Spec();
  chosen.key_id = "0a1b2c3d-0000-4000-8000-000000000001";
  auto with_id = open.keys->Create(chosen, 0);
  REQUIRE(with_id.ok());
  CHECK((*with_id)->id == chosen.key_id);

  open.Reload();
  for (const auto& [id, text] : {std::pair{(*made_default)->id, DefaultKeyPolicy("444455556666")},
                                 std::pair{(*made_custom)->id, custom}}) {
    KeyPtr loaded = open.keys->Find(id);
    REQUIRE(loaded != nullptr);
    CHECK(loaded->policy->text == text);
    CHECK(loaded->policy->document != nullptr);
  }
  // Loaded keys with the same policy text share one.
  CHECK(open.keys->Find((*made_default)->id)->policy ==
        open.keys->Find((*another_default)->id)->policy);
}

TEST_CASE("a key with its account's default policy is stored without the text, and a row with "
          "the default text (stored before) loads as that same default") {
  testing::TempDir dir;
  testing::OpenStore open(dir.path);
  auto made_default = open.keys->Create(Spec(), 0);
  auto made_custom = open.keys->Create(Spec(PolicyOfSize(200)), 0);
  REQUIRE(made_default.ok());
  REQUIRE(made_custom.ok());
  std::map<std::string, std::string> stored;  // policy text by key id
  std::vector<storage::KeyRow> rows;
  REQUIRE(open.repo->LoadAll([&](storage::KeyRow& row) {
    stored[row.key_id] = row.policy;
    rows.push_back(row);
    return Status::Ok();
  }).ok());
  CHECK(stored[(*made_default)->id].empty());
  CHECK(stored[(*made_custom)->id] == PolicyOfSize(200));

  // As a trentd of the previous version stored it: the default text in the row.
  storage::KeyRow old = rows.front().key_id == (*made_default)->id ? rows.front() : rows.back();
  old.policy = DefaultKeyPolicy("444455556666");
  old.versions.clear();  // an update writes only the versions it adds
  std::vector<storage::KeyWrite> writes(1);
  writes[0].kind = storage::KeyWrite::Kind::kUpdate;
  writes[0].key = old;
  Status applied = open.repo->Apply(writes);
  INFO(applied.message());
  REQUIRE(applied.ok());
  open.Reload();
  auto fresh = open.keys->Create(Spec(), 0);
  REQUIRE(fresh.ok());
  CHECK(open.keys->Find(old.key_id)->policy == (*fresh)->policy);
  CHECK((*fresh)->policy->text == DefaultKeyPolicy("444455556666"));
}
