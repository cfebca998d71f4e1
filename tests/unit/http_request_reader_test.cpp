// The request reader alone, fed bytes as a socket would deliver them.
#include <catch.hpp>
#include <cstring>
#include <string>
#include <string_view>

#include "server/http/request_reader.h"

namespace {

using trent::http::RequestLimits;
using trent::http::RequestReader;
using Outcome = RequestReader::Outcome;

// Copies `data` into the reader in reads as large as it offers, parsing after each; returns
// the first outcome other than kNeedMore (or kNeedMore when the data ran out).
Outcome Feed(RequestReader& reader, std::string_view data) {
  for (;;) {
    const Outcome outcome = reader.Parse();
    if (outcome != Outcome::kNeedMore || data.empty()) return outcome;
    auto space = reader.ReadSpace();
    REQUIRE(!space.empty());
    const size_t n = std::min(space.size(), data.size());
    std::memcpy(space.data(), data.data(), n);
    reader.CommitRead(n);
    data.remove_prefix(n);
  }
}

const std::string kChunkedHead =
    "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.Encrypt\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST_CASE("request reader: a request, its fields and its body") {
  RequestReader reader(RequestLimits{}, false);
  const std::string body = R"({"Plaintext":"c2VjcmV0"})";
  REQUIRE(Feed(reader, "POST / HTTP/1.1\r\nX-Amz-Target: TrentService.Encrypt\r\n"
                       "Authorization: AWS4 x\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body) ==
          Outcome::kComplete);
  CHECK(reader.is_post());
  CHECK(reader.keep_alive());
  CHECK(reader.target() == "TrentService.Encrypt");
  CHECK(reader.authorization() == "AWS4 x");
  CHECK(reader.body() == body);
}

TEST_CASE("request reader: endless chunk extensions and trailers stay within the bound") {
  const RequestLimits limits{1024, 4096};
  for (const std::string& start : {kChunkedHead + "1;e=", kChunkedHead + "0\r\n"}) {
    RequestReader reader(limits, true);
    const std::string more = start.ends_with("e=") ? std::string(1000, 'v') : "X-a: b\r\n";
    Outcome outcome = Feed(reader, start);
    for (int i = 0; i < 100000 && outcome == Outcome::kNeedMore; ++i) {
      outcome = Feed(reader, more);
      REQUIRE(reader.MemoryInUse() <= RequestReader::MemoryBound(limits));
    }
    CHECK(outcome == Outcome::kFramingTooLarge);
  }
}

TEST_CASE("request reader: the limits") {
  const RequestLimits limits{1024, 4096};
  {
    RequestReader reader(limits, true);
    CHECK(Feed(reader, "POST / HTTP/1.1\r\nX-Pad: " + std::string(2000, 'p') + "\r\n\r\n") ==
          Outcome::kHeaderTooLarge);
  }
  {
    RequestReader reader(limits, true);
    CHECK(Feed(reader, "POST / HTTP/1.1\r\nContent-Length: 4097\r\n\r\n") ==
          Outcome::kBodyTooLarge);
  }
  {
    RequestReader reader(limits, true);
    CHECK(Feed(reader, kChunkedHead + "1001\r\n") == Outcome::kBodyTooLarge);
  }
  {
    RequestReader reader(limits, true);
    CHECK(Feed(reader, "NOT HTTP\r\n\r\n") == Outcome::kMalformed);
  }
}

// What the connection held after a request cannot be observed once freed; what it keeps can:
// the read buffer is reused for the next request and must not still hold this one.
TEST_CASE("request reader: a parsed request leaves no copy in the read buffer") {
  RequestReader reader(RequestLimits{}, false);
  const std::string secret = "c2VjcmV0LXBsYWludGV4dA";
  const std::string body = R"({"Plaintext":")" + secret + R"("})";
  // Chunked, in many small chunks, so that the body grows (and moves) while it is read.
  std::string request = kChunkedHead;
  for (char c : body) request += "1\r\n" + std::string(1, c) + "\r\n";
  request += "0\r\n\r\n";
  REQUIRE(Feed(reader, request) == Outcome::kComplete);
  CHECK(reader.body() == body);
  CHECK(reader.Unparsed() == 0);
  reader.Start();
  CHECK(reader.body().empty());
  const auto space = reader.ReadSpace();
  const std::string_view kept(space.data(), space.size());
  CHECK(kept.find("Plaintext") == std::string_view::npos);
  CHECK(kept.find("TrentService") == std::string_view::npos);
}

TEST_CASE("request reader: pipelined requests, one after the other") {
  RequestReader reader(RequestLimits{}, false);
  const std::string one = "POST / HTTP/1.1\r\nX-Amz-Target: A\r\nContent-Length: 2\r\n\r\n{}";
  const std::string two = "POST / HTTP/1.1\r\nX-Amz-Target: B\r\nContent-Length: 3\r\n\r\n[1]";
  REQUIRE(Feed(reader, one + two) == Outcome::kComplete);
  CHECK(reader.target() == "A");
  CHECK(reader.Unparsed() == two.size());
  reader.Start();
  REQUIRE(reader.Parse() == Outcome::kComplete);
  CHECK(reader.target() == "B");
  CHECK(reader.body() == "[1]");
}

TEST_CASE("request reader: a chunked request that arrives one byte at a time") {
  RequestReader reader(RequestLimits{}, false);
  const std::string request = kChunkedHead + "3;x=1\r\n{\"a\r\n4\r\n\":1}\r\n0\r\nX-T: t\r\n\r\n";
  Outcome outcome = Outcome::kNeedMore;
  for (char c : request) {
    outcome = Feed(reader, std::string_view(&c, 1));
    if (outcome != Outcome::kNeedMore) break;
  }
  REQUIRE(outcome == Outcome::kComplete);
  CHECK(reader.body() == "{\"a\":1}");
}

TEST_CASE("request reader: kept headers, lower-cased names, in arrival order") {
  RequestReader keeping(RequestLimits{}, true);
  const std::string request =
      "POST /a?b=c HTTP/1.1\r\nHost: example\r\nX-Amz-Date:  20260101T000000Z \r\n"
      "X-Multi: one\r\nx-multi: two\r\nContent-Length: 2\r\n\r\n{}";
  REQUIRE(Feed(keeping, request) == Outcome::kComplete);
  CHECK(keeping.path() == "/a?b=c");
  CHECK(keeping.headers() ==
        "host:example\nx-amz-date:20260101T000000Z\nx-multi:one\nx-multi:two\n"
        "content-length:2\n");
  keeping.Start();
  CHECK(keeping.headers().empty());

  RequestReader plain(RequestLimits{}, false);
  REQUIRE(Feed(plain, request) == Outcome::kComplete);
  CHECK(plain.headers().empty());
}

TEST_CASE("request reader: kept headers stay within the header limit") {
  RequestLimits limits;
  limits.max_header_bytes = 1024;
  RequestReader reader(limits, true);
  std::string request = "POST / HTTP/1.1\r\n";
  while (request.size() < 1000) request += "A: b\r\n";
  request += "\r\n";
  REQUIRE(Feed(reader, request) == Outcome::kComplete);
  CHECK(reader.headers().size() <= limits.max_header_bytes);
  CHECK(reader.MemoryInUse() <= RequestReader::MemoryBound(limits));
}
