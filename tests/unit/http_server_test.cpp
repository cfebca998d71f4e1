// The HTTP frontend against raw sockets: a fake handler echoes what the server told it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch.hpp>
#include <chrono>
#include <cstring>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "server/http/http_server.h"

namespace {

using trent::http::Handler;
using trent::http::HttpServer;
using trent::http::ServerOptions;
using trent::ops::Outcome;
using trent::ops::RequestMeta;
using Clock = std::chrono::steady_clock;

// Answers with the request's facts, one per line, as the output member "echo"; throws for the
// operation "Boom".
Outcome Echo(const RequestMeta& meta, std::string_view body) {
  if (meta.operation == "Boom") throw std::runtime_error("boom");
  std::string text = "operation=" + std::string(meta.operation) + "\nregion=" + meta.region +
                     "\naccess_key_id=" + meta.access_key_id + "\nrequest_id=" +
                     meta.request_id + "\nsource_ip=" + meta.source_ip +
                     "\nbody=" + std::string(body);
  boost::json::object output;
  output["echo"] = text;
  return {std::move(output)};
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// The text Echo answered with, from the AWS JSON document the server encoded.
std::string Echoed(const Response& response) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("echo")) return "(no echo: " + response.body + ")";
  return std::string(v.as_object().at("echo").as_string());
}

// A blocking client socket; every read gives up after 5 s so a broken server fails, not hangs.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval timeout{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~Client() { close(fd_); }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      REQUIRE(n > 0);
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // One response; nullopt when the connection ends (or nothing comes) first.
  std::optional<Response> Read() {
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    Response response;
    std::string head = pending_.substr(0, end + 2);
    pending_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    response.status = std::stoi(head.substr(9, 3));
    for (size_t pos = line_end + 2; pos < head.size(); pos = line_end + 2) {
      line_end = head.find("\r\n", pos);
      std::string line = head.substr(pos, line_end - pos);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      response.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    if (response.status == 100) return response;
    size_t length = std::stoul(response.header("content-length"));
    while (pending_.size() < length) {
      if (!Fill()) return std::nullopt;
    }
    response.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return response;
  }

  // True when the server closes the connection within the read timeout.
  bool WaitClosed() {
    char byte;
    ssize_t n = recv(fd_, &byte, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool Fill() {
    char chunk[4096];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    pending_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_;
  std::string pending_;
};

std::string Post(std::string_view target, std::string_view body, std::string_view extra = "") {
  std::string request = "POST / HTTP/1.1\r\nHost: localhost\r\n"
                        "Content-Type: application/x-amz-json-1.1\r\n";
  if (!target.empty()) request += "X-Amz-Target: " + std::string(target) + "\r\n";
  request += std::string(extra);
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

ServerOptions TestOptions() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  return options;
}

// A server on a free port, served on its own thread until the test ends.
class TestServer {
 public:
  explicit TestServer(ServerOptions options = TestOptions(), Handler handler = {Echo}) {
    auto created = HttpServer::Create(options, std::move(handler));
    REQUIRE(created.ok());
    server_ = std::move(created.value());
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~TestServer() { Stop(); }
  void Stop() {
    if (!thread_.joinable()) return;
    server_->Stop();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }

 private:
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

const std::regex kHttpDate(R"([A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT)");
const std::regex kUuidV4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("http server: three requests on one keep-alive connection") {
  TestServer server;
  Client client(server.port());
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    client.Send(Post("TrentService.Encrypt", "{\"n\":" + std::to_string(i) + "}"));
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->header("content-type") == "application/x-amz-json-1.1");
    CHECK(response->header("connection").empty());
    CHECK(std::regex_match(response->header("date"), kHttpDate));
    const std::string id = response->header("x-amzn-requestid");
    CHECK(std::regex_match(id, kUuidV4));
    CHECK(Contains(Echoed(*response), "request_id=" + id + "\n"));
    CHECK(Contains(Echoed(*response), "operation=Encrypt\n"));
    CHECK(Contains(Echoed(*response), "source_ip=127.0.0.1\n"));
    CHECK(Contains(Echoed(*response), "body={\"n\":" + std::to_string(i) + "}"));
    ids.insert(id);
  }
  CHECK(ids.size() == 3);
}

TEST_CASE("http server: region and access key from the SigV4 credential scope") {
  TestServer server;
  Client client(server.port());
  client.Send(Post("TrentService.DescribeKey", "{}",
                   "Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-west-2/kms/"
                   "aws4_request, SignedHeaders=host;x-amz-date, Signature=abc\r\n"));
  auto signed_response = client.Read();
  REQUIRE(signed_response);
  CHECK(Contains(Echoed(*signed_response), "region=us-west-2\n"));
  CHECK(Contains(Echoed(*signed_response), "access_key_id=AKIDTEST\n"));

  client.Send(Post("TrentService.DescribeKey", "{}", "Authorization: garbage\r\n"));
  auto unsigned_response = client.Read();
  REQUIRE(unsigned_response);
  CHECK(Contains(Echoed(*unsigned_response), "region=us-east-1\n"));
  CHECK(Contains(Echoed(*unsigned_response), "access_key_id=\n"));
}

TEST_CASE("http server: a missing or foreign target is UnknownOperationException") {
  TestServer server;
  Client client(server.port());
  std::set<std::string> ids;
  for (const char* target : {"", "DynamoDB_20120810.ListTables", "TrentService.",
                             "trentservice.Encrypt"}) {
    INFO(target);
    client.Send(Post(target, "{}"));
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->status == 400);
    CHECK(response->body == R"({"__type":"UnknownOperationException"})");
    CHECK(response->header("content-type") == "application/x-amz-json-1.1");
    CHECK(std::regex_match(response->header("x-amzn-requestid"), kUuidV4));
    ids.insert(response->header("x-amzn-requestid"));
  }
  CHECK(ids.size() == 4);
  client.Send(Post("TrentService.ListKeys", "{}"));  // the connection still serves
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("http server: GET is refused and the connection keeps serving") {
  TestServer server;
  Client client(server.port());
  client.Send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  auto refused = client.Read();
  REQUIRE(refused);
  CHECK(refused->status == 405);
  CHECK(refused->header("allow") == "POST");
  CHECK(Contains(refused->body, R"("__type":"UnknownOperationException")"));
  CHECK(std::regex_match(refused->header("x-amzn-requestid"), kUuidV4));
  client.Send(Post("TrentService.ListKeys", "{}"));
  auto served = client.Read();
  REQUIRE(served);
  CHECK(served->status == 200);
}

namespace {

// Boom (whose handler throws) answers KMSInternalException; the connection then answers
// ListKeys, whose echo this returns.
std::string CheckBoomThenListKeys(uint16_t port) {
  Client client(port);
  client.Send(Post("TrentService.Boom", "{}"));
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 500);
  CHECK(Contains(response->body, R"("__type":"KMSInternalException")"));
  CHECK(std::regex_match(response->header("x-amzn-requestid"), kUuidV4));
  client.Send(Post("TrentService.ListKeys", "{}"));
  auto next = client.Read();
  REQUIRE(next);
  CHECK(next->status == 200);
  return Echoed(*next);
}

}  // namespace

TEST_CASE("http server: a handler that throws is KMSInternalException") {
  TestServer server;
  CHECK(Contains(CheckBoomThenListKeys(server.port()), "operation=ListKeys\n"));
}

TEST_CASE("http server: a handler served later that throws is KMSInternalException, once") {
  std::function<void(Outcome)> kept;  // an answer the handler would still give after throwing
  Handler handler{Echo, {}, [](std::string_view) { return true; },
                  [&](const RequestMeta& meta, std::string_view body,
                      std::function<void(std::function<void()>)>,
                      std::function<void(Outcome)> done) {
                    if (meta.operation == "Boom") {
                      kept = done;
                      throw std::runtime_error("boom");
                    }
                    // On the network thread, as answers are given: the late one writes nothing.
                    if (kept) std::exchange(kept, nullptr)(Echo(meta, "late"));
                    done(Echo(meta, body));
                    return true;
                  }};
  TestServer server(TestOptions(), std::move(handler));
  const std::string next = CheckBoomThenListKeys(server.port());
  CHECK(Contains(next, "operation=ListKeys\n"));
  CHECK_FALSE(Contains(next, "body=late"));
}

TEST_CASE("http server: an oversize body is 413, then the connection closes") {
  ServerOptions options = TestOptions();
  options.limits.max_body_bytes = 1024;
  TestServer server(options);
  {
    Client client(server.port());
    client.Send(Post("TrentService.Encrypt", std::string(1024, 'x')));  // exactly the limit
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->status == 200);
  }
  {
    Client client(server.port());
    client.Send(Post("TrentService.Encrypt", std::string(4000, 'x')));
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->status == 413);
    CHECK(Contains(response->body, R"("__type":"RequestEntityTooLargeException")"));
    CHECK(Contains(response->body, R"("message":")"));
    CHECK(response->header("connection") == "close");
    CHECK(std::regex_match(response->header("x-amzn-requestid"), kUuidV4));
    CHECK(client.WaitClosed());
  }
  {
    Client client(server.port());  // a chunked body has no length up front
    client.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.Encrypt\r\n"
                "Transfer-Encoding: chunked\r\n\r\n400\r\n" + std::string(1024, 'x') +
                "\r\n10\r\n" + std::string(16, 'x') + "\r\n0\r\n\r\n");
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->status == 413);
    CHECK(client.WaitClosed());
  }
  Client next(server.port());
  next.Send(Post("TrentService.Encrypt", "{}"));
  auto response = next.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("http server: a chunked body within the limit is served") {
  TestServer server;
  Client client(server.port());
  client.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.Encrypt\r\n"
              "Transfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n");
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(Contains(Echoed(*response), "body={\"a\":1}"));
}

TEST_CASE("http server: an oversize header is 431, then the connection closes") {
  ServerOptions options = TestOptions();
  options.limits.max_header_bytes = 1024;
  TestServer server(options);
  Client client(server.port());
  client.Send(Post("TrentService.Encrypt", "{}", "X-Padding: " + std::string(2000, 'p') + "\r\n"));
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 431);
  CHECK(Contains(response->body, R"("__type":")"));
  CHECK(std::regex_match(response->header("x-amzn-requestid"), kUuidV4));
  CHECK(client.WaitClosed());
}

TEST_CASE("http server: malformed HTTP is 400, then the connection closes") {
  TestServer server;
  Client client(server.port());
  client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 400);
  CHECK(std::regex_match(response->header("x-amzn-requestid"), kUuidV4));
  CHECK(client.WaitClosed());
}

TEST_CASE("http server: Expect: 100-continue") {
  TestServer server;
  Client client(server.port());
  const std::string body = R"({"KeyId":"k"})";
  client.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.Encrypt\r\n"
              "Expect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n\r\n");
  auto interim = client.Read();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  client.Send(body);
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(Contains(Echoed(*response), "body=" + body));
}

TEST_CASE("http server: a body that arrives in pieces") {
  TestServer server;
  Client client(server.port());
  const std::string request = Post("TrentService.Encrypt", R"({"Plaintext":"aGVsbG8="})");
  const size_t split = request.find("\r\n\r\n") + 6;
  client.Send(request.substr(0, split));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  client.Send(request.substr(split));
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(Contains(Echoed(*response), R"(body={"Plaintext":"aGVsbG8="})"));
}

TEST_CASE("http server: HTTP/1.0 closes unless asked to keep alive") {
  TestServer server;
  {
    Client client(server.port());
    client.Send("POST / HTTP/1.0\r\nX-Amz-Target: TrentService.A\r\nContent-Length: 2\r\n\r\n{}");
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->header("connection") == "close");
    CHECK(client.WaitClosed());
  }
  Client client(server.port());
  for (int i = 0; i < 2; ++i) {
    client.Send("POST / HTTP/1.0\r\nConnection: keep-alive\r\nX-Amz-Target: TrentService.A\r\n"
                "Content-Length: 2\r\n\r\n{}");
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->header("connection") == "keep-alive");
  }
}

TEST_CASE("http server: pipelined requests are answered in order") {
  TestServer server;
  Client client(server.port());
  client.Send(Post("TrentService.First", "{}") + Post("TrentService.Second", "{}"));
  auto first = client.Read();
  auto second = client.Read();
  REQUIRE(first);
  REQUIRE(second);
  CHECK(Contains(Echoed(*first), "operation=First\n"));
  CHECK(Contains(Echoed(*second), "operation=Second\n"));
}

TEST_CASE("http server: a request that stalls is closed after the read timeout") {
  ServerOptions options = TestOptions();
  options.read_timeout_seconds = 1;
  TestServer server(options);
  Client in_header(server.port());
  Client in_body(server.port());
  const auto start = Clock::now();
  in_header.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentSer");
  in_body.Send("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.A\r\n"
               "Content-Length: 10\r\n\r\n{\"a\":");
  CHECK(in_header.WaitClosed());
  CHECK(in_body.WaitClosed());
  const auto elapsed = Clock::now() - start;
  CHECK(elapsed >= std::chrono::milliseconds(900));
  CHECK(elapsed < std::chrono::milliseconds(2500));
  Client next(server.port());  // others are still served
  next.Send(Post("TrentService.A", "{}"));
  REQUIRE(next.Read());
}

TEST_CASE("http server: an idle keep-alive connection is closed after the idle timeout") {
  ServerOptions options = TestOptions();
  options.idle_timeout_seconds = 1;
  TestServer server(options);
  Client client(server.port());
  client.Send(Post("TrentService.A", "{}"));
  REQUIRE(client.Read());
  const auto start = Clock::now();
  CHECK(client.WaitClosed());
  const auto elapsed = Clock::now() - start;
  CHECK(elapsed >= std::chrono::milliseconds(900));
  CHECK(elapsed < std::chrono::milliseconds(2500));
}

TEST_CASE("http server: Stop() closes idle connections and returns promptly") {
  TestServer server;
  Client used(server.port());
  used.Send(Post("TrentService.A", "{}"));
  REQUIRE(used.Read());
  Client silent(server.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the server accept it
  const auto start = Clock::now();
  server.Stop();
  CHECK(Clock::now() - start < std::chrono::milliseconds(500));
  CHECK(used.WaitClosed());
  CHECK(silent.WaitClosed());
}

TEST_CASE("http server: Stop() lets an in-flight request finish") {
  std::atomic<bool> entered{false};
  auto slow = [&](const RequestMeta& meta, std::string_view body) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Echo(meta, body);
  };
  TestServer server(TestOptions(), {slow});
  Client client(server.port());
  client.Send(Post("TrentService.Slow", "{}"));
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.Stop();
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(Contains(Echoed(*response), "operation=Slow\n"));
  CHECK(client.WaitClosed());
}

TEST_CASE("http server: a port in use is an error, not an exception") {
  TestServer server;
  ServerOptions options = TestOptions();
  options.port = server.port();
  auto second = HttpServer::Create(options, {Echo});
  REQUIRE_FALSE(second.ok());
  CHECK(Contains(second.status().message(), "cannot listen on 127.0.0.1:"));

  options.host = "not-an-address";
  CHECK_FALSE(HttpServer::Create(options, {Echo}).ok());
}

TEST_CASE("http server: localhost listens on the loopback address") {
  ServerOptions options = TestOptions();
  options.host = "localhost";
  TestServer server(options);
  Client client(server.port());
  client.Send(Post("TrentService.A", "{}"));
  REQUIRE(client.Read());
}

TEST_CASE("http server: endless chunk extensions or trailer are 431, then the connection closes") {
  ServerOptions options = TestOptions();
  options.limits.max_header_bytes = 1024;
  TestServer server(options);
  const std::string head = "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: TrentService.Encrypt\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n";
  for (const std::string& start : {head + "1;e=", head + "0\r\n"}) {
    INFO(start.substr(head.size()));
    Client client(server.port());
    client.Send(start);
    // Far more than the limit, in pieces, as a client that never ends the line would send.
    const std::string more = start.ends_with("e=") ? std::string(4096, 'v') : "X-a: b\r\n";
    for (size_t sent = 0; sent < 64 * 1024; sent += more.size()) client.Send(more);
    auto response = client.Read();
    REQUIRE(response);
    CHECK(response->status == 431);
    CHECK(Contains(response->body, R"("__type":"RequestEntityTooLargeException")"));
    CHECK(Contains(response->body, "A chunk extension or the trailer must be at most 1024 bytes"));
    CHECK(response->header("connection") == "close");
    CHECK(client.WaitClosed());
  }
  Client next(server.port());
  next.Send(Post("TrentService.Encrypt", "{}"));
  REQUIRE(next.Read());
}

namespace {

// A new connection to `port` gets three answers in a row (while another request waits).
void CheckAnswersOthers(uint16_t port) {
  Client fast(port);
  for (int i = 0; i < 3; ++i) {
    fast.Send(Post("TrentService.Encrypt", "{}"));
    auto response = fast.Read();
    REQUIRE(response);
    CHECK(response->status == 200);
  }
}

// `client`'s answer is a 200 echo of `operation`, and the connection serves on.
void CheckEchoedThenServesOn(Client& client, const std::string& operation) {
  auto answer = client.Read();
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(Contains(Echoed(*answer), "operation=" + operation + "\n"));
  client.Send(Post("TrentService.Encrypt", "{}"));
  REQUIRE(client.Read());
}

}  // namespace

TEST_CASE("http server: a blocking operation does not stall others on the same network thread") {
  ServerOptions options = TestOptions();
  options.threads = 1;
  options.blocking_threads = 2;
  std::atomic<bool> slow_started{false};
  std::atomic<bool> slow_done{false};
  Handler handler{[&](const RequestMeta& meta, std::string_view body) {
                    if (meta.operation == "Slow") {
                      slow_started = true;
                      std::this_thread::sleep_for(std::chrono::seconds(2));
                      slow_done = true;
                    }
                    return Echo(meta, body);
                  },
                  [](std::string_view operation) { return operation == "Slow"; }};
  TestServer server(options, std::move(handler));
  Client slow(server.port());
  slow.Send(Post("TrentService.Slow", "{}"));
  while (!slow_started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CheckAnswersOthers(server.port());
  CHECK_FALSE(slow_done);  // answered while the slow one still ran
  CheckEchoedThenServesOn(slow, "Slow");
}

TEST_CASE("http server: an operation that computes runs on a compute thread, and others are "
          "answered meanwhile") {
  ServerOptions options = TestOptions();
  options.threads = 1;
  options.compute_threads = 1;
  std::mutex mu;
  std::condition_variable changed;
  bool computing = false, release = false;
  std::thread::id computed_on, served_on;
  Handler handler{[&](const RequestMeta& meta, std::string_view body) {
                    std::unique_lock lock(mu);
                    if (meta.operation == "Compute") {
                      computed_on = std::this_thread::get_id();
                      computing = true;
                      changed.notify_all();
                      changed.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
                    } else {
                      served_on = std::this_thread::get_id();
                    }
                    return Echo(meta, body);
                  }};
  handler.computes = [](std::string_view operation) { return operation == "Compute"; };
  TestServer server(options, std::move(handler));
  Client computer(server.port());
  computer.Send(Post("TrentService.Compute", "{}"));
  {
    std::unique_lock lock(mu);
    REQUIRE(changed.wait_for(lock, std::chrono::seconds(5), [&] { return computing; }));
  }
  CheckAnswersOthers(server.port());  // while Compute still waits for its release
  {
    std::lock_guard lock(mu);
    CHECK(served_on != std::thread::id());
    CHECK(computed_on != served_on);
    release = true;
  }
  changed.notify_all();
  CheckEchoedThenServesOn(computer, "Compute");
}

TEST_CASE("http server: an operation served later frees the network thread, and is answered "
          "across Stop()") {
  ServerOptions options = TestOptions();
  options.threads = 1;
  std::mutex mu;
  std::condition_variable started;
  std::function<void()> answer_later;  // set by serve_later; answers from another thread
  Handler handler{Echo, {}, [](std::string_view operation) { return operation == "Later"; },
                  [&](const RequestMeta& meta, std::string_view body,
                      std::function<void(std::function<void()>)> resume,
                      std::function<void(Outcome)> done) {
                    std::lock_guard lock(mu);
                    answer_later = [&meta, body, resume, done] {
                      resume([&meta, body, done] { done(Echo(meta, body)); });
                    };
                    started.notify_all();
                    return true;
                  }};
  TestServer server(options, std::move(handler));
  Client later(server.port());
  later.Send(Post("TrentService.Later", R"({"n":1})"));
  {
    std::unique_lock lock(mu);
    REQUIRE(started.wait_for(lock, std::chrono::seconds(5), [&] { return bool(answer_later); }));
  }
  CheckAnswersOthers(server.port());
  // Stop waits for the answer still to come.
  std::thread answerer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::lock_guard lock(mu);
    answer_later();
  });
  server.Stop();
  answerer.join();
  auto answer = later.Read();
  REQUIRE(answer);
  CHECK(answer->status == 200);
  CHECK(Contains(Echoed(*answer), "operation=Later\n"));
  CHECK(Contains(Echoed(*answer), R"(body={"n":1})"));
}

TEST_CASE("http server: a request serve_later does not take is served on a blocking thread") {
  std::mutex mu;
  std::thread::id declined_on, served_on;
  Handler handler{[&](const RequestMeta& meta, std::string_view body) {
                    std::lock_guard lock(mu);
                    served_on = std::this_thread::get_id();
                    return Echo(meta, body);
                  },
                  {}, [](std::string_view) { return true; },
                  [&](const RequestMeta&, std::string_view, std::function<void(std::function<void()>)>,
                      std::function<void(Outcome)>) {
                    std::lock_guard lock(mu);
                    declined_on = std::this_thread::get_id();
                    return false;
                  }};
  TestServer server(TestOptions(), std::move(handler));
  Client client(server.port());
  client.Send(Post("TrentService.Declined", "{}"));
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(Contains(Echoed(*response), "operation=Declined\n"));
  std::lock_guard lock(mu);
  CHECK(declined_on != std::thread::id());
  CHECK(served_on != std::thread::id());
  CHECK(served_on != declined_on);
}

TEST_CASE("http server: at the connection cap the longest-idle connection makes room") {
  ServerOptions options = TestOptions();
  options.threads = 1;
  options.max_connections = 4;
  TestServer server(options);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(std::make_unique<Client>(server.port()));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // accepted in this order
  }
  CHECK(idle[0]->WaitClosed());
  const auto start = Clock::now();
  Client client(server.port());
  client.Send(Post("TrentService.Encrypt", "{}"));
  auto response = client.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(Clock::now() - start < std::chrono::seconds(2));
  idle.back()->Send(Post("TrentService.Encrypt", "{}"));  // the most recent idle one still serves
  REQUIRE(idle.back()->Read());
}

TEST_CASE("http server: at the cap with no idle connection a new one is refused") {
  ServerOptions options = TestOptions();
  options.threads = 1;
  options.max_connections = 2;
  TestServer server(options);
  Client busy1(server.port());
  Client busy2(server.port());
  busy1.Send("POST / HTTP/1.1\r\nHost: x\r\n");  // requests under way: not idle
  busy2.Send("POST / HTTP/1.1\r\nHost: x\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client refused(server.port());
  CHECK(refused.WaitClosed());
  busy1.Send("X-Amz-Target: TrentService.A\r\nContent-Length: 2\r\n\r\n{}");
  auto response = busy1.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("http server: out of descriptors, a new connection is closed at once, not left waiting") {
  TestServer server;
  {
    Client warm(server.port());  // the server runs, with all it needs open
    warm.Send(Post("TrentService.A", "{}"));
    REQUIRE(warm.Read());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // and has closed that connection
  rlimit original{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &original) == 0);
  {
    // Every descriptor taken but one, which the client's socket takes.
    rlimit tight = original;
    tight.rlim_cur = std::min<rlim_t>(original.rlim_cur, 1024);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &tight) == 0);
    std::vector<int> fillers;
    for (int fd; (fd = open("/dev/null", O_RDONLY)) >= 0;) fillers.push_back(fd);
    REQUIRE(!fillers.empty());
    close(fillers.back());
    fillers.pop_back();
    Client starved(server.port());
    const auto start = Clock::now();
    const bool closed = starved.WaitClosed();
    for (int fd : fillers) close(fd);
    REQUIRE(setrlimit(RLIMIT_NOFILE, &original) == 0);
    CHECK(closed);
    CHECK(Clock::now() - start < std::chrono::seconds(2));
  }
  // Linux reports EMFILE even with nobody waiting, so the acceptor may be in its 100 ms wait.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  Client next(server.port());  // the acceptor still serves
  next.Send(Post("TrentService.A", "{}"));
  auto response = next.Read();
  REQUIRE(response);
  CHECK(response->status == 200);
}
