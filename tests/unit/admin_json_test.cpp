// The admin API's HTTP/JSON mapping (DispatchJson) over a real key store: protobuf's JSON names,
// the error documents and their HTTP statuses, who may call, and StreamRecords from the hub.
#include <catch.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <string>

#include "common/clock.h"
#include "server/admin/admin_json.h"
#include "server/admin/admin_service.h"
#include "server/admin/to_proto.h"
#include "server/records/record_hub.h"
#include "tests/unit/key_store_fixture.h"
#include "tests/unit/softhsm_dir.h"

using namespace trent;
using namespace trent::admin;
using testing::OpenStore;
using testing::TempDir;

namespace json = boost::json;

namespace {

struct Fixture {
  TempDir dir;
  OpenStore open{dir.path};
  records::RecordHub hub{10, 10};
  TestClock clock;
  int clock_moves = 0;
  AdminService service{*open.keys, hub, "test HSM", &clock, [this] { ++clock_moves; }};
  AdminService without_clock{*open.keys, hub, "test HSM", nullptr, [] {}};

  JsonAnswer Call(const std::string& method, const std::string& body,
                  const std::string& peer = "127.0.0.1") {
    return DispatchJson(service, "/_trent/v1/" + method, body, peer, false);
  }
  json::object Ok(const std::string& method, const std::string& body = "{}") {
    JsonAnswer answer = Call(method, body);
    INFO(answer.body);
    REQUIRE(answer.http_status == 200);
    return json::parse(answer.body).as_object();
  }
};

std::string TypeOf(const JsonAnswer& answer) {
  return std::string(json::parse(answer.body).at("__type").as_string());
}

kms::NewKeySpec Spec(const std::string& account, const std::string& region) {
  kms::NewKeySpec spec;
  spec.account = account;
  spec.region = region;
  return spec;
}

}  // namespace

TEST_CASE("Health answers in protobuf's JSON mapping, every field present") {
  Fixture f;
  REQUIRE(f.open.keys->Create(Spec("111122223333", "us-east-1"), 0).ok());
  for (const std::string body : {"", "{}"}) {
    json::object health = f.Ok("Health", body);
    CHECK(health.at("status") == "SERVING");
    CHECK(health.at("hsm") == "test HSM");
    CHECK(health.at("keyCount") == "1");  // int64 is a JSON string in protobuf's mapping
    CHECK(health.at("testClock") == true);
    CHECK(!health.at("version").as_string().empty());
  }
}

TEST_CASE("errors: the AWS-style document with 400, 403, 404") {
  Fixture f;
  JsonAnswer answer = f.Call("NoSuchMethod", "{}");
  CHECK(answer.http_status == 404);
  CHECK(TypeOf(answer) == "UnknownOperationException");
  answer = DispatchJson(f.service, "/_trent/v2/Health", "{}", "127.0.0.1", false);
  CHECK(answer.http_status == 404);
  for (const char* body : {"not json", "[1]", R"({"seconds": 1.5})", R"({"Seconds": 60})",
                           R"({"seconds": 60, "extra": 1})"}) {
    INFO(body);
    answer = f.Call("AdvanceClock", body);
    CHECK(answer.http_status == 400);
    CHECK(TypeOf(answer) == "SerializationException");
  }
  for (const char* body : {"{}", R"({"seconds": -1})", R"({"seconds": 1000000000000})"}) {
    INFO(body);
    answer = f.Call("AdvanceClock", body);
    CHECK(answer.http_status == 400);
    CHECK(TypeOf(answer) == "ValidationException");
  }
  CHECK(f.clock.OffsetMillis() == 0);
  CHECK(f.clock_moves == 0);
  for (const char* body : {R"({"account": "12"})", R"({"region": ""})", R"({"account": ""})",
                           R"({"region": "US_EAST"})"}) {
    INFO(body);
    answer = f.Call("Reset", body);
    CHECK(answer.http_status == 400);
    CHECK(TypeOf(answer) == "ValidationException");
  }
}

TEST_CASE("only loopback peers, unless remote ones are allowed") {
  Fixture f;
  for (const char* method : {"Health", "Reset", "NoSuchMethod"}) {
    INFO(method);
    JsonAnswer refused = f.Call(method, "{}", "192.0.2.7");
    CHECK(refused.http_status == 403);
    CHECK(TypeOf(refused) == "AccessDeniedException");
  }
  CHECK(DispatchJson(f.service, "/_trent/v1/Health", "{}", "192.0.2.7", true).http_status == 200);
  CHECK(f.Call("Health", "{}", "::1").http_status == 200);
}

TEST_CASE("the clock methods need the test clock") {
  Fixture f;
  json::object moved = f.Ok("AdvanceClock", R"({"seconds": "3600"})");
  CHECK(moved.at("offsetSeconds") == "3600");
  CHECK(f.clock_moves == 1);
  CHECK(f.Ok("GetClock").at("offsetSeconds") == "3600");
  CHECK(f.Ok("AdvanceClock", R"({"seconds": 0})").at("offsetSeconds") == "3600");
  for (const auto& [method, body] : {std::pair{"GetClock", "{}"},
                                     std::pair{"AdvanceClock", R"({"seconds": 1})"}}) {
    INFO(method);
    JsonAnswer answer = DispatchJson(f.without_clock, std::string("/_trent/v1/") + method, body,
                                     "127.0.0.1", false);
    CHECK(answer.http_status == 400);
    CHECK(TypeOf(answer) == "UnsupportedOperationException");
  }
  json::object health =
      json::parse(DispatchJson(f.without_clock, "/_trent/v1/Health", "", "127.0.0.1", false).body)
          .as_object();
  CHECK(health.at("testClock") == false);
}

TEST_CASE("StreamRecords over HTTP: the recent records; follow is refused") {
  Fixture f;
  CHECK(f.Ok("StreamRecords").at("records").as_array().empty());
  for (int i = 0; i < 3; ++i) {
    records::RequestRecord r;
    r.time_ms = 1'700'000'000'123 + i;
    r.request_id = "req-" + std::to_string(i);
    r.frontend = "http";
    r.operation = "Encrypt";
    r.key_arns = {"arn:aws:kms:us-east-1:111122223333:key/k" + std::to_string(i)};
    r.error_code = i == 2 ? "NotFoundException" : "";
    r.latency_us = 42;
    f.hub.Publish(r);
  }
  json::array all = f.Ok("StreamRecords").at("records").as_array();
  REQUIRE(all.size() == 3);
  CHECK(all[0].at("requestId") == "req-0");
  CHECK(all[0].at("time") == "2023-11-14T22:13:20.123Z");
  CHECK(all[0].at("latencyUs") == "42");
  CHECK(all[2].at("errorCode") == "NotFoundException");
  CHECK(all[1].at("keyArns").as_array().at(0) == "arn:aws:kms:us-east-1:111122223333:key/k1");
  json::array last = f.Ok("StreamRecords", R"({"limit": 2})").at("records").as_array();
  REQUIRE(last.size() == 2);
  CHECK(last[0].at("requestId") == "req-1");
  JsonAnswer follow = f.Call("StreamRecords", R"({"follow": true})");
  CHECK(follow.http_status == 400);
  CHECK(TypeOf(follow) == "ValidationException");
  CHECK(TypeOf(f.Call("StreamRecords", R"({"limit": -1})")) == "ValidationException");
}

TEST_CASE("StreamRecords with follow: the recent records, then each new one once") {
  Fixture f;
  records::RequestRecord r;
  r.request_id = "before";
  f.hub.Publish(r);
  v1::StreamRecordsRequest request;
  request.set_follow(true);
  auto stream = f.service.StreamRecords(request);
  REQUIRE(stream.ok());
  REQUIRE(stream->recent.size() == 1);
  CHECK(stream->recent[0].request_id() == "before");
  REQUIRE(stream->live);
  r.request_id = "after";
  f.hub.Publish(r);
  auto next = stream->live->Next(std::chrono::milliseconds(1000));
  REQUIRE(next.size() == 1);
  v1::RequestRecord proto;
  ToProto(next[0], &proto);
  CHECK(proto.request_id() == "after");
}

TEST_CASE("WipeSeedText zeroes the seed's text in place, its length kept") {
  v1::ApplySeedRequest request;
  request.set_yaml("Keys:\n  Symmetric:\n    Aes:\n      - BackingKeys: [00112233]\n");
  const size_t size = request.yaml().size();
  const char* where = request.yaml().data();
  WipeSeedText(request);
  CHECK(request.yaml().data() == where);
  CHECK(request.yaml() == std::string(size, '\0'));
}
