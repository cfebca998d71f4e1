// The only translation unit that includes Beast. One io_context per worker thread; a single
// acceptor hands connections round-robin to the workers. Beast parses the requests (with a
// parser that keeps only what AWS JSON 1.1 needs, in buffers each connection reuses); the
// responses are a handful of fixed headers written directly. Timeouts are deadlines that a
// per-worker sweep checks a few times a second, so requests touch neither a timer nor epoll_ctl
// (waiting for readability first would re-arm epoll on every request).
#include "server/http/http_server.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/intrusive/list.hpp>
#include <spdlog/spdlog.h>

#include "common/uuid.h"
#include "server/http/sigv4.h"

namespace trent::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace bi = boost::intrusive;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using beast::error_code;

constexpr std::string_view kTargetPrefix = "TrentService.";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
constexpr auto kShutdownGrace = std::chrono::seconds(5);
constexpr auto kMaxLinger = std::chrono::seconds(2);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// A connection keeps its body buffer between requests up to this size; KMS requests are small.
constexpr size_t kKeptBodyCapacity = 64 * 1024;

// {"__type":...,"message":...}; the messages here are fixed texts that need no JSON escaping.
std::string ErrorBody(std::string_view type, std::string_view message) {
  std::string body = R"({"__type":")";
  body.append(type).append(R"(","message":")").append(message).append(R"("})");
  return body;
}

// The answers this layer gives by itself. The limits are fixed at start, so they are built once.
struct ErrorBodies {
  explicit ErrorBodies(const ServerOptions& o)
      : too_large(ErrorBody(AwsErrorType(ErrorCode::kRequestEntityTooLarge),
                            "Request body must be at most " + std::to_string(o.max_body_bytes) +
                                " bytes")),
        header_too_large(ErrorBody("RequestHeaderFieldsTooLargeException",
                                   "Request header must be at most " +
                                       std::to_string(o.max_header_bytes) + " bytes")) {}
  // As AWS answers a missing or foreign X-Amz-Target: the type alone.
  std::string unknown_operation = R"({"__type":"UnknownOperationException"})";
  std::string method_not_allowed =
      ErrorBody("UnknownOperationException", "Only POST requests are served");
  std::string malformed = ErrorBody("MalformedHttpRequestException", "Malformed HTTP request");
  std::string internal =
      ErrorBody(AwsErrorType(ErrorCode::kInternal), "The server encountered an internal error");
  std::string too_large;
  std::string header_too_large;
};

// What every connection reads and never changes.
struct Config {
  ServerOptions options;
  Handler handler;
  ErrorBodies bodies;
};

// A UUID v4 in text form, as AWS's request ids are. Unique, not secret: a per-thread PRNG.
void NewRequestId(std::string& out) {
  thread_local std::mt19937_64 rng = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  const uint64_t words[2] = {rng(), rng()};
  uint8_t random[16];
  std::memcpy(random, words, sizeof random);
  FormatUuidV4(random, out);
}

// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", formatted at most once a second per thread.
std::string_view DateHeader() {
  thread_local std::time_t cached = -1;
  thread_local char text[64];
  thread_local size_t length = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached) {
    // Not strftime: its day and month names follow the locale, HTTP's are always English.
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm utc{};
    gmtime_r(&now, &utc);
    length = static_cast<size_t>(std::snprintf(
        text, sizeof text, "Date: %s, %02d %s %d %02d:%02d:%02d GMT\r\n", kDays[utc.tm_wday],
        utc.tm_mday, kMonths[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
        utc.tm_sec));
    cached = now;
  }
  return {text, length};
}

template <typename Int>
void AppendNumber(std::string& out, Int value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

bool IsHttpParseError(const error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::end_of_stream).category();
}

// Keeps only what the server needs from a request, in strings the connection reuses.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  struct Fields {
    std::string target;         // X-Amz-Target
    std::string authorization;  // Authorization
    std::string body;
    void Clear() {
      target.clear();
      authorization.clear();
      if (body.capacity() > kKeptBodyCapacity) {
        std::string().swap(body);
      } else {
        body.clear();
      }
    }
  };

  explicit RequestParser(Fields& fields) : fields_(fields) {}

  bhttp::verb method() const { return method_; }
  int version() const { return version_; }
  bool expects_continue() const { return expects_continue_ && version_ >= 11; }

 private:
  void on_request_impl(bhttp::verb method, beast::string_view, beast::string_view, int version,
                       error_code&) override {
    method_ = method;
    version_ = version;
  }
  void on_response_impl(int, beast::string_view, int, error_code&) override {}
  void on_field_impl(bhttp::field name, beast::string_view name_string, beast::string_view value,
                     error_code&) override {
    if (name == bhttp::field::authorization) {
      fields_.authorization.assign(value.data(), value.size());
    } else if (name == bhttp::field::expect) {
      expects_continue_ = beast::iequals(value, "100-continue");
    } else if (name == bhttp::field::unknown && beast::iequals(name_string, "x-amz-target")) {
      fields_.target.assign(value.data(), value.size());
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code&) override {
    // Not more up front: the length is only the client's word until the bytes arrive.
    if (content_length) {
      fields_.body.reserve(std::min<uint64_t>(*content_length, kKeptBodyCapacity));
    }
  }
  size_t on_body_impl(beast::string_view data, error_code&) override {
    fields_.body.append(data.data(), data.size());
    return data.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view data, error_code&) override {
    fields_.body.append(data.data(), data.size());
    return data.size();
  }
  void on_finish_impl(error_code&) override {}

  Fields& fields_;
  bhttp::verb method_ = bhttp::verb::unknown;
  int version_ = 11;
  bool expects_continue_ = false;
};

struct Worker;

using ConnectionHook = bi::list_base_hook<bi::link_mode<bi::auto_unlink>>;

// One client connection; lives on its worker's thread only.
class Connection : public std::enable_shared_from_this<Connection>, public ConnectionHook {
 public:
  Connection(const Config& config, Worker& worker, tcp::socket socket)
      : config_(config), worker_(worker), socket_(std::move(socket)) {}
  ~Connection();

  void Start();
  // Server shutdown: an idle connection closes now, a busy one after its current response.
  void OnShutdown() {
    if (awaiting_first_byte_ && buffer_.size() == 0) Close();
  }
  // Called by the sweep: closes the connection when its deadline has passed.
  void Check(SteadyClock::time_point now) {
    if (awaiting_first_byte_ && buffer_.size() > 0) StartReadDeadline();
    if (deadline_ <= now) Close();
  }
  // Aborts whatever the connection is waiting for; its handlers then finish it.
  void Close() {
    deadline_ = SteadyClock::time_point::max();
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  void ReadRequest();
  void OnHeader(error_code ec);
  void ReadBody();
  void Fail(error_code ec);
  void Dispatch();
  void Reply(int status, std::string_view body, bool keep_alive);
  void OnWritten(error_code ec);
  void Linger();
  void Drain();
  void SetDeadline(SteadyClock::duration timeout) { deadline_ = SteadyClock::now() + timeout; }
  // The first bytes of a request are here: from now on it must arrive whole in time.
  void StartReadDeadline() {
    awaiting_first_byte_ = false;
    SetDeadline(std::chrono::seconds(config_.options.read_timeout_seconds));
  }

  const Config& config_;
  Worker& worker_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  RequestParser::Fields fields_;
  std::optional<RequestParser> parser_;  // a fresh one per request, built in place
  ops::RequestMeta meta_;
  ops::ApiResponse response_;
  std::string head_;       // status line and headers of the response being written
  std::string_view body_;  // the body being written: response_.body or a fixed error body
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  // The idle deadline applies until bytes of the next request arrive: the sweep sees them in
  // buffer_, or the header is complete before it looks.
  bool awaiting_first_byte_ = false;
  bool keep_alive_ = false;
};

// One thread's io_context and the connections it serves.
struct Worker {
  ~Worker() { destroying = true; }

  void Run();
  void Sweep();
  void BeginShutdown(SteadyClock::time_point deadline);
  void ConnectionGone();

  // Declared before the io_context: connections left in its handlers unlink on destruction.
  bi::list<Connection, bi::constant_time_size<false>> connections;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::steady_timer sweeper{ioc};
  bool shutting_down = false;
  bool destroying = false;
  SteadyClock::time_point grace_deadline;
};

Connection::~Connection() {
  unlink();
  worker_.ConnectionGone();
}

void Connection::Start() {
  worker_.connections.push_back(*this);
  error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  const auto peer = socket_.remote_endpoint(ec);
  if (!ec) meta_.source_ip = peer.address().to_string();
  ReadRequest();
}

void Connection::ReadRequest() {
  if (buffer_.size() > 0) {  // a pipelined request is already here
    StartReadDeadline();
  } else {
    awaiting_first_byte_ = true;
    SetDeadline(std::chrono::seconds(config_.options.idle_timeout_seconds));
  }
  fields_.Clear();
  parser_.emplace(fields_);
  parser_->header_limit(static_cast<uint32_t>(
      std::min<size_t>(config_.options.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(config_.options.max_body_bytes);
  NewRequestId(meta_.request_id);
  bhttp::async_read_header(socket_, buffer_, *parser_,
                           [self = shared_from_this()](error_code ec, size_t) {
                             self->OnHeader(ec);
                           });
}

void Connection::OnHeader(error_code ec) {
  if (awaiting_first_byte_) StartReadDeadline();
  if (ec) {
    Fail(ec);
  } else if (parser_->is_done()) {
    Dispatch();
  } else if (!parser_->expects_continue()) {
    ReadBody();
  } else {
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec) {
                          self->Close();
                          return;
                        }
                        self->ReadBody();
                      });
  }
}

void Connection::ReadBody() {
  // Usually the body came with the header: parsing it here saves an asynchronous read, which
  // would complete through the scheduler even with nothing left to read.
  error_code parsed;
  while (!parser_->is_done() && buffer_.size() > 0) {
    const size_t used = parser_->put(buffer_.data(), parsed);
    buffer_.consume(used);
    if (parsed || used == 0) break;
  }
  if (parsed && parsed != bhttp::error::need_more) {
    Fail(parsed);
    return;
  }
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  bhttp::async_read(socket_, buffer_, *parser_, [self = shared_from_this()](error_code ec, size_t) {
    if (ec) {
      self->Fail(ec);
      return;
    }
    self->Dispatch();
  });
}

// A request that could not be read whole: say why when the client can still hear it, then close.
void Connection::Fail(error_code ec) {
  const ErrorBodies& bodies = config_.bodies;
  if (ec == bhttp::error::header_limit) {
    Reply(431, bodies.header_too_large, false);
  } else if (ec == bhttp::error::body_limit) {
    Reply(413, bodies.too_large, false);
  } else if (IsHttpParseError(ec) && ec != bhttp::error::end_of_stream &&
             ec != bhttp::error::partial_message) {
    spdlog::debug("request {}: malformed HTTP: {}", meta_.request_id, ec.message());
    Reply(400, bodies.malformed, false);
  } else {
    Close();  // the peer went away, or the sweep closed the socket at the deadline
  }
}

void Connection::Dispatch() {
  const bool keep_alive = parser_->keep_alive() && !worker_.shutting_down;
  if (parser_->method() != bhttp::verb::post) {
    Reply(405, config_.bodies.method_not_allowed, keep_alive);
    return;
  }
  const std::string_view target = fields_.target;
  if (!target.starts_with(kTargetPrefix) || target.size() == kTargetPrefix.size()) {
    Reply(400, config_.bodies.unknown_operation, keep_alive);
    return;
  }
  meta_.operation = target.substr(kTargetPrefix.size());
  if (auto scope = ParseCredentialScope(fields_.authorization)) {
    meta_.region.assign(scope->region);
    meta_.access_key_id.assign(scope->access_key_id);
  } else {
    meta_.region.assign(config_.options.default_region);
    meta_.access_key_id.clear();
  }
  try {
    response_ = config_.handler(meta_, fields_.body);
  } catch (const std::exception& e) {
    spdlog::error("request {} ({}): handler threw: {}", meta_.request_id, meta_.operation,
                  e.what());
    Reply(500, config_.bodies.internal, keep_alive);
    return;
  } catch (...) {
    spdlog::error("request {} ({}): handler threw", meta_.request_id, meta_.operation);
    Reply(500, config_.bodies.internal, keep_alive);
    return;
  }
  Reply(response_.http_status, response_.body, keep_alive);
}

void Connection::Reply(int status, std::string_view body, bool keep_alive) {
  spdlog::debug("request {} {} {}: {} ({} bytes)", meta_.request_id, meta_.source_ip,
                fields_.target, status, body.size());
  keep_alive_ = keep_alive;
  body_ = parser_->method() == bhttp::verb::head ? std::string_view() : body;
  head_.assign("HTTP/1.1 ");
  AppendNumber(head_, status);
  head_ += ' ';
  const auto reason = bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  head_.append(reason.data(), reason.size());
  head_.append("\r\nx-amzn-RequestId: ");
  head_.append(meta_.request_id);
  head_.append("\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: ");
  AppendNumber(head_, body.size());
  head_.append("\r\n");
  head_.append(DateHeader());
  if (!keep_alive) {
    head_.append("Connection: close\r\n");
  } else if (parser_->version() < 11) {
    head_.append("Connection: keep-alive\r\n");
  }
  if (status == 405) head_.append("Allow: POST\r\n");
  head_.append("\r\n");

  SetDeadline(std::chrono::seconds(config_.options.read_timeout_seconds));
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                  asio::buffer(body_.data(), body_.size())};
  asio::async_write(socket_, buffers, [self = shared_from_this()](error_code ec, size_t) {
    self->OnWritten(ec);
  });
}

void Connection::OnWritten(error_code ec) {
  if (ec) {
    Close();
  } else if (keep_alive_ && !worker_.shutting_down) {
    ReadRequest();
  } else {
    Linger();
  }
}

// Half-closes, then reads until the peer closes too (bounded in time): closing with unread
// input would reset the connection and could destroy the response before the client reads it.
void Connection::Linger() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  SetDeadline(std::min<SteadyClock::duration>(
      kMaxLinger, std::chrono::seconds(config_.options.read_timeout_seconds)));
  buffer_.clear();
  Drain();
}

void Connection::Drain() {
  socket_.async_read_some(buffer_.prepare(16 * 1024),
                          [self = shared_from_this()](error_code ec, size_t) {
                            if (ec) {
                              self->Close();
                              return;
                            }
                            self->Drain();
                          });
}

void Worker::Run() {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {  // the connection that threw is gone; serve the rest
      spdlog::error("http worker: {}", e.what());
    }
  }
}

// Closes the connections whose deadline passed (all of them once the shutdown grace is over).
void Worker::Sweep() {
  const auto now = SteadyClock::now();
  const bool force = shutting_down && now >= grace_deadline;
  for (Connection& connection : connections) {
    if (force) {
      connection.Close();
    } else {
      connection.Check(now);
    }
  }
  if (shutting_down && connections.empty()) return;  // lets ioc.run() return
  sweeper.expires_at(now + kSweepInterval);
  sweeper.async_wait([this](error_code ec) {
    if (!ec) Sweep();
  });
}

void Worker::BeginShutdown(SteadyClock::time_point deadline) {
  shutting_down = true;
  grace_deadline = deadline;
  work.reset();
  for (Connection& connection : connections) connection.OnShutdown();
  ConnectionGone();
}

void Worker::ConnectionGone() {
  if (shutting_down && !destroying && connections.empty()) sweeper.cancel();
}

class Server final : public HttpServer {
 public:
  Server(const ServerOptions& options, Handler handler)
      : config_{options, std::move(handler), ErrorBodies(options)} {
    const int threads = std::max(1, options.threads);
    for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
  }

  Status Listen();
  uint16_t port() const override { return port_; }
  void Run() override;
  void Stop() override {
    asio::post(workers_[0]->ioc, [this] { BeginShutdown(); });
  }

 private:
  Status Bind(const asio::ip::address& address, uint16_t port);
  void Accept(tcp::acceptor& acceptor);
  void BeginShutdown();

  Config config_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // On workers_[0]'s io_context, so declared after workers_.
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::optional<asio::signal_set> signals_;
  size_t next_worker_ = 0;
  bool shutting_down_ = false;  // only touched on workers_[0]'s thread
  uint16_t port_ = 0;
};

Status Server::Bind(const asio::ip::address& address, uint16_t port) {
  const tcp::endpoint endpoint(address, port);
  auto acceptor = std::make_unique<tcp::acceptor>(workers_[0]->ioc);
  error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) port_ = acceptor->local_endpoint(ec).port();
  if (ec) {
    std::ostringstream where;
    where << endpoint;
    return InternalError("cannot listen on " + where.str() + ": " + ec.message());
  }
  acceptors_.push_back(std::move(acceptor));
  return Status::Ok();
}

Status Server::Listen() {
  std::string_view host = config_.options.host;
  if (host == "localhost") {
    // Clients may resolve localhost to either loopback address; ::1 is optional (IPv6 may be off).
    TRY_STATUS(Bind(asio::ip::address_v4::loopback(), config_.options.port));
    Status v6 = Bind(asio::ip::address_v6::loopback(), port_);
    if (!v6.ok()) spdlog::warn("{}; serving localhost on 127.0.0.1 only", v6.message());
    return Status::Ok();
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return ValidationError("cannot listen on '" + config_.options.host +
                           "': not an IP address or localhost");
  }
  return Bind(address, config_.options.port);
}

void Server::Accept(tcp::acceptor& acceptor) {
  Worker& worker = *workers_[next_worker_++ % workers_.size()];
  acceptor.async_accept(worker.ioc, [this, &acceptor, &worker](error_code ec, tcp::socket socket) {
    if (shutting_down_) return;
    if (ec) {
      // E.g. out of file descriptors: wait a little rather than spin.
      spdlog::warn("accept failed: {}", ec.message());
      auto timer = std::make_shared<asio::steady_timer>(workers_[0]->ioc, kAcceptRetryDelay);
      timer->async_wait([this, &acceptor, timer](error_code) {
        if (!shutting_down_) Accept(acceptor);
      });
      return;
    }
    asio::post(worker.ioc, [this, &worker, socket = std::move(socket)]() mutable {
      if (worker.shutting_down) return;
      std::make_shared<Connection>(config_, worker, std::move(socket))->Start();
    });
    Accept(acceptor);
  });
}

void Server::Run() {
  Worker& first = *workers_[0];
  signals_.emplace(first.ioc, SIGINT, SIGTERM);
  signals_->async_wait([this](error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: finishing in-flight requests and stopping", signal);
    BeginShutdown();
  });
  for (auto& acceptor : acceptors_) Accept(*acceptor);
  for (auto& worker : workers_) asio::post(worker->ioc, [w = worker.get()] { w->Sweep(); });

  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers_.size(); ++i) {
    threads.emplace_back([w = workers_[i].get()] { w->Run(); });
  }
  first.Run();
  for (auto& thread : threads) thread.join();
}

void Server::BeginShutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  error_code ignored;
  for (auto& acceptor : acceptors_) acceptor->close(ignored);
  if (signals_) {
    signals_->cancel(ignored);
    signals_->clear(ignored);  // a second signal gets the default action again
  }
  const auto deadline = SteadyClock::now() + kShutdownGrace;
  for (auto& worker : workers_) {
    asio::post(worker->ioc, [w = worker.get(), deadline] { w->BeginShutdown(deadline); });
  }
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Create(const ServerOptions& options,
                                                       Handler handler) {
  auto server = std::make_unique<Server>(options, std::move(handler));
  TRY_STATUS(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace trent::http
