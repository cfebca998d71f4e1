// One io_context per worker thread; a single acceptor hands connections round-robin to the
// workers. A RequestReader per connection parses the requests within fixed memory; the responses
// are a handful of fixed headers written directly. Timeouts are deadlines that a per-worker sweep
// checks a few times a second, so requests touch neither a timer nor epoll_ctl (waiting for
// readability first would re-arm epoll on every request). Operations that may block run on a
// separate pool of threads and answer on their connection's worker.
#include "server/http/http_server.h"

#include <algorithm>
#include <array>
#include <atomic>
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
#include <span>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/intrusive/list.hpp>
#include <spdlog/spdlog.h>

#include "common/bytes.h"
#include "common/uuid.h"
#include "server/admin/admin_json.h"
#include "server/http/request_reader.h"
#include "server/http/sigv4.h"
#include "server/model/codec.h"

namespace trent::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace bi = boost::intrusive;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::string_view kTargetPrefix = "TrentService.";
constexpr std::string_view kHealthPath = "/healthz";
constexpr std::string_view kMetricsPath = "/metrics";
constexpr std::string_view kAwsJsonType = "application/x-amz-json-1.1";
constexpr std::string_view kJsonType = "application/json";
// The Prometheus text exposition format.
constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr auto kSweepInterval = std::chrono::milliseconds(250);
constexpr auto kShutdownGrace = std::chrono::seconds(5);
constexpr auto kMaxLinger = std::chrono::seconds(2);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kRefusalLogInterval = std::chrono::seconds(10);

// The answers this layer gives by itself, in the model's error document. The limits are fixed
// at start, so they are built once. A request too large in any part is
// RequestEntityTooLargeException, the HTTP status tells which part: 413 for the body, 431 for
// the header and for what Beast does not count as body, chunk extensions and the trailer (they
// are fields and metadata of the request, not its content). AWS's front end cannot be observed
// answering malformed HTTP; trent calls it a SerializationException (the request cannot be read).
struct ErrorBodies {
  explicit ErrorBodies(const ServerOptions& o)
      : too_large(model::EncodeError(
            {ErrorCode::kRequestEntityTooLarge, "Request body must be at most " +
                                                    std::to_string(o.limits.max_body_bytes) +
                                                    " bytes"})),
        header_too_large(model::EncodeError(
            {ErrorCode::kRequestEntityTooLarge, "Request header must be at most " +
                                                    std::to_string(o.limits.max_header_bytes) +
                                                    " bytes"})),
        framing_too_large(model::EncodeError(
            {ErrorCode::kRequestEntityTooLarge,
             "A chunk extension or the trailer must be at most " +
                 std::to_string(o.limits.max_header_bytes) + " bytes"})) {}
  // As AWS answers a missing or foreign X-Amz-Target: the type alone, no message.
  std::string unknown_operation = R"({"__type":"UnknownOperationException"})";
  std::string method_not_allowed =
      model::EncodeError({ErrorCode::kUnknownOperation, "Only POST requests are served"});
  std::string malformed =
      model::EncodeError({ErrorCode::kSerialization, "Malformed HTTP request"});
  std::string internal =
      model::EncodeError({ErrorCode::kInternal, "The server encountered an internal error"});
  std::string no_admin =
      model::EncodeError({ErrorCode::kNotFound, "This server has no admin API."});
  std::string no_metrics =
      model::EncodeError({ErrorCode::kNotFound, "This server has no metrics."});
  std::string healthy = R"({"status":"ok"})";
  std::string draining = R"({"status":"draining"})";
  std::string too_large;
  std::string header_too_large;
  std::string framing_too_large;
};

// What every connection shares: settings fixed at start, the pools of blocking and compute
// threads, and the count of open connections.
struct Config {
  Config(const ServerOptions& o, Handler h) : options(o), handler(std::move(h)), bodies(o) {
    if (handler.blocks || handler.serve_later || handler.admin || handler.metrics) {
      blocking.emplace(static_cast<size_t>(std::max(1, o.blocking_threads)));
    }
    if (handler.computes) compute.emplace(static_cast<size_t>(std::max(1, o.compute_threads)));
  }

  const ServerOptions options;
  const Handler handler;
  const ErrorBodies bodies;
  std::optional<asio::thread_pool> blocking;  // only when some operation may block
  std::optional<asio::thread_pool> compute;   // only when some operation computes long
  std::atomic<size_t> open_connections{0};
  std::atomic<bool> draining{false};  // shutting down: /healthz answers 503
};

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

struct Worker;

using ConnectionHook = bi::list_base_hook<bi::link_mode<bi::auto_unlink>>;

// One client connection; lives on its worker's thread, except that a blocking operation runs
// on a blocking thread while the worker leaves the request alone.
class Connection : public std::enable_shared_from_this<Connection>, public ConnectionHook {
 public:
  Connection(Config& config, Worker& worker, tcp::socket socket)
      : config_(config),
        worker_(worker),
        socket_(std::move(socket)),
        reader_(config.options.limits, config.options.verify_signatures) {
    config_.open_connections.fetch_add(1, std::memory_order_relaxed);
  }
  ~Connection();

  void Start();
  // Waiting for a request of which nothing has arrived: closing it loses nothing.
  bool Idle() const { return awaiting_first_byte_ && reader_.Unparsed() == 0; }
  // While Idle(): the earliest deadline is the connection idle the longest.
  SteadyClock::time_point deadline() const { return deadline_; }
  // Server shutdown: an idle connection closes now, a busy one after its current response.
  void OnShutdown() {
    if (Idle()) Close();
  }
  // Called by the sweep: closes the connection when its deadline has passed.
  void Check(SteadyClock::time_point now) {
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
  void Parse();
  void ReadMore();
  void Fail(RequestReader::Outcome outcome);
  void Dispatch();
  // GET or HEAD of /healthz or /metrics; false for any other path.
  bool DispatchProbe();
  // Serve() then Answer(): on a thread of `pool`, or on this network thread when null.
  void ServeAndAnswer(asio::thread_pool* pool);
  asio::thread_pool* BlockingPool() { return config_.blocking ? &*config_.blocking : nullptr; }
  bool Identify();
  bool Serve();
  // serve_later, then Answer() once the outcome is back on this connection's network thread;
  // a request serve_later does not take is served on a blocking thread.
  void ServeLater();
  // The response to an operation's outcome, and its record published.
  void Respond(ops::Outcome outcome);
  // Hands the request's record to the record sink, if there is one.
  void Publish(const ops::Outcome& outcome);
  void Answer(bool served);
  bool KeepAlive() const;
  void Reply(int status, std::string_view body, bool keep_alive,
             std::string_view content_type = kAwsJsonType);
  void OnWritten(error_code ec);
  void WipeResponse();
  void Linger();
  void Drain();
  void SetDeadline(SteadyClock::duration timeout) { deadline_ = SteadyClock::now() + timeout; }
  // The first bytes of a request are here: from now on it must arrive whole in time.
  void StartReadDeadline() {
    awaiting_first_byte_ = false;
    SetDeadline(std::chrono::seconds(config_.options.read_timeout_seconds));
  }

  Config& config_;
  Worker& worker_;
  tcp::socket socket_;
  RequestReader reader_;
  ops::RequestMeta meta_;
  SteadyClock::time_point started_;  // when the request was read whole
  // What the request asks for besides a KMS operation.
  enum class Kind { kKms, kAdmin, kMetrics } kind_ = Kind::kKms;
  ops::ApiResponse response_;
  std::string head_;       // status line and headers of the response being written
  std::string_view body_;  // the body being written: response_.body or a fixed error body
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  // The idle deadline applies until bytes of the next request arrive.
  bool awaiting_first_byte_ = false;
  bool continue_sent_ = false;
  bool keep_alive_ = false;
};

// One thread's io_context and the connections it serves.
struct Worker {
  explicit Worker(Config& c) : config(c) {}
  ~Worker() { destroying = true; }

  void Run();
  void Sweep();
  void Admit(tcp::socket socket);
  bool CloseLongestIdle();
  void BeginShutdown(SteadyClock::time_point deadline);
  void ConnectionGone();

  Config& config;
  // Declared before the io_context: connections left in its handlers unlink on destruction.
  bi::list<Connection, bi::constant_time_size<false>> connections;
  asio::io_context ioc{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::steady_timer sweeper{ioc};
  bool shutting_down = false;
  bool destroying = false;
  SteadyClock::time_point grace_deadline;
  SteadyClock::time_point last_refusal_log;
};

bool Connection::KeepAlive() const { return reader_.keep_alive() && !worker_.shutting_down; }

Connection::~Connection() {
  WipeResponse();
  unlink();
  config_.open_connections.fetch_sub(1, std::memory_order_relaxed);
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
  if (reader_.Unparsed() > 0) {  // a pipelined request is already here
    StartReadDeadline();
  } else {
    awaiting_first_byte_ = true;
    SetDeadline(std::chrono::seconds(config_.options.idle_timeout_seconds));
  }
  reader_.Start();
  continue_sent_ = false;
  NewRequestId(meta_.request_id);
  Parse();
}

void Connection::Parse() {
  const auto outcome = reader_.Parse();
  if (outcome == RequestReader::Outcome::kComplete) {
    Dispatch();
  } else if (outcome != RequestReader::Outcome::kNeedMore) {
    Fail(outcome);
  } else if (!reader_.header_done() || !reader_.expects_continue() || continue_sent_) {
    ReadMore();
  } else {
    continue_sent_ = true;
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (ec) {
                          self->Close();
                          return;
                        }
                        self->ReadMore();
                      });
  }
}

void Connection::ReadMore() {
  const std::span<char> space = reader_.ReadSpace();
  socket_.async_read_some(asio::buffer(space.data(), space.size()),
                          [self = shared_from_this()](error_code ec, size_t n) {
                            if (ec) {  // the peer went away, or the sweep closed the socket
                              self->Close();
                              return;
                            }
                            self->reader_.CommitRead(n);
                            if (self->awaiting_first_byte_) self->StartReadDeadline();
                            self->Parse();
                          });
}

// A request that could not be read whole: say why, then close.
void Connection::Fail(RequestReader::Outcome outcome) {
  const ErrorBodies& bodies = config_.bodies;
  switch (outcome) {
    case RequestReader::Outcome::kHeaderTooLarge:
      Reply(431, bodies.header_too_large, false);
      return;
    case RequestReader::Outcome::kFramingTooLarge:
      Reply(431, bodies.framing_too_large, false);
      return;
    case RequestReader::Outcome::kBodyTooLarge:
      Reply(413, bodies.too_large, false);
      return;
    default:
      spdlog::debug("request {}: malformed HTTP", meta_.request_id);
      Reply(400, bodies.malformed, false);
      return;
  }
}

void Connection::Dispatch() {
  started_ = SteadyClock::now();
  kind_ = Kind::kKms;
  if ((reader_.is_get() || reader_.is_head()) && DispatchProbe()) return;
  if (!reader_.is_post()) {
    Reply(405, config_.bodies.method_not_allowed, KeepAlive());
    return;
  }
  if (reader_.path().starts_with(admin::kAdminPathPrefix)) {
    kind_ = Kind::kAdmin;
    meta_.operation = reader_.path();  // for the logs
  } else {
    const std::string_view target = reader_.target();
    if (!target.starts_with(kTargetPrefix) || target.size() == kTargetPrefix.size()) {
      Reply(400, config_.bodies.unknown_operation, KeepAlive());
      return;
    }
    meta_.operation = target.substr(kTargetPrefix.size());
    meta_.user_agent.assign(reader_.user_agent());
    if (!Identify()) return;
  }
  if (kind_ == Kind::kKms && config_.handler.defers && config_.handler.defers(meta_.operation)) {
    ServeLater();
    return;
  }
  // Admin requests may wait for background work (the test clock's AdvanceClock does).
  if (kind_ == Kind::kAdmin ||
      (config_.handler.blocks && config_.handler.blocks(meta_.operation))) {
    ServeAndAnswer(BlockingPool());
  } else if (config_.handler.computes && config_.handler.computes(meta_.operation)) {
    ServeAndAnswer(&*config_.compute);
  } else {
    ServeAndAnswer(nullptr);
  }
}

bool Connection::DispatchProbe() {
  const std::string_view path = reader_.path();
  if (path == kHealthPath) {
    // Listening means the HSM and the database are open; only a shutdown makes it unready.
    const bool draining = config_.draining.load(std::memory_order_relaxed);
    Reply(draining ? 503 : 200, draining ? config_.bodies.draining : config_.bodies.healthy,
          KeepAlive(), kJsonType);
    return true;
  }
  if (path != kMetricsPath) return false;
  if (!config_.handler.metrics) {
    Reply(404, config_.bodies.no_metrics, KeepAlive());
    return true;
  }
  kind_ = Kind::kMetrics;
  meta_.operation = path;  // for the logs
  ServeAndAnswer(BlockingPool());  // a scrape counts the keys: not on a network thread
  return true;
}

void Connection::ServeAndAnswer(asio::thread_pool* pool) {
  if (pool) {
    // The worker leaves this connection alone until the answer is posted back; the work guard
    // keeps the worker's io_context running (through a shutdown too) until then.
    asio::post(*pool, [self = shared_from_this(),
                       work = asio::make_work_guard(worker_.ioc)]() mutable {
      const bool served = self->Serve();
      asio::post(work.get_executor(), [self = std::move(self), served] { self->Answer(served); });
    });
    return;
  }
  Answer(Serve());
}

// Sets the caller in meta_: the identity whose access key signed the request, if any. In strict
// mode the signature must verify; when it does not, answers the error and returns false.
bool Connection::Identify() {
  const ServerOptions& options = config_.options;
  const auth::Identity* identity = nullptr;
  if (options.verify_signatures) {
    const SignedRequest request{"POST", reader_.path(), reader_.headers(), reader_.body()};
    auto verified = VerifyRequest(request, *options.identities, options.clock->NowMillis());
    if (!verified.ok()) {
      spdlog::debug("request {} {}: {}", meta_.request_id, meta_.source_ip,
                    verified.status().message());
      response_.body = model::EncodeError(verified.status());
      ops::Outcome refused{verified.status()};
      Publish(refused);
      Reply(model::HttpStatusOf(verified.status().code()), response_.body, KeepAlive());
      return false;
    }
    identity = *verified;
  }
  if (auto scope = ParseCredentialScope(reader_.authorization())) {
    meta_.region.assign(scope->region);
    meta_.access_key_id.assign(scope->access_key_id);
    if (!identity && options.identities) identity = options.identities->Find(scope->access_key_id);
  } else {
    meta_.region.assign(options.default_region);
    meta_.access_key_id.clear();
  }
  if (identity) {
    meta_.principal_arn.assign(identity->arn);
    meta_.account.assign(identity->account);
    meta_.identity_policies = identity->policies ? &*identity->policies : nullptr;
  } else {
    meta_.principal_arn.clear();
    meta_.account.clear();
    meta_.identity_policies = nullptr;
  }
  return true;
}

// Runs the handler into response_; false when it threw.
bool Connection::Serve() {
  try {
    if (kind_ == Kind::kKms) {
      Respond(config_.handler.serve(meta_, reader_.body()));
    } else if (kind_ == Kind::kMetrics) {
      response_ = {200, config_.handler.metrics()};
    } else if (config_.handler.admin) {
      response_ = config_.handler.admin(reader_.path(), reader_.body(), meta_.source_ip);
    } else {
      response_ = {404, config_.bodies.no_admin};
    }
    return true;
  } catch (const std::exception& e) {
    spdlog::error("request {} ({}): handler threw: {}", meta_.request_id, meta_.operation,
                  e.what());
  } catch (...) {
    spdlog::error("request {} ({}): handler threw", meta_.request_id, meta_.operation);
  }
  return false;
}

void Connection::ServeLater() {
  // Until the answer is written, the connection stays and the work guard keeps the worker's
  // io_context running (through a shutdown too), as for a request on a blocking thread. Both go
  // with the answer, not with the last copy of `done`, which the operation layer may keep longer.
  struct Pending {
    std::shared_ptr<Connection> connection;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    // The connection for whoever answers first (nullptr after that), releasing the guard.
    std::shared_ptr<Connection> Take() {
      work.reset();
      return std::move(connection);
    }
  };
  auto pending = std::make_shared<Pending>();
  pending->connection = shared_from_this();
  pending->work.emplace(worker_.ioc.get_executor());
  auto resume = [executor = worker_.ioc.get_executor()](std::function<void()> continuation) {
    asio::post(executor, std::move(continuation));
  };
  // After the handler threw (below), an outcome that still comes finds no connection to answer.
  auto done = [pending](ops::Outcome outcome) {
    const std::shared_ptr<Connection> self = pending->Take();
    if (!self) return;
    bool served = false;
    try {
      self->Respond(std::move(outcome));
      served = true;
    } catch (const std::exception& e) {
      spdlog::error("request {} ({}): answer threw: {}", self->meta_.request_id,
                    self->meta_.operation, e.what());
    } catch (...) {
      spdlog::error("request {} ({}): answer threw", self->meta_.request_id,
                    self->meta_.operation);
    }
    self->Answer(served);
  };
  try {
    if (!config_.handler.serve_later(meta_, reader_.body(), std::move(resume), done)) {
      pending->Take();
      ServeAndAnswer(BlockingPool());
    }
    return;
  } catch (const std::exception& e) {
    spdlog::error("request {} ({}): handler threw: {}", meta_.request_id, meta_.operation,
                  e.what());
  } catch (...) {
    spdlog::error("request {} ({}): handler threw", meta_.request_id, meta_.operation);
  }
  if (pending->Take()) Answer(false);
}

void Connection::Respond(ops::Outcome outcome) {
  Publish(outcome);
  if (outcome.output.ok()) {
    response_ = {200, model::EncodeResponse(*outcome.output)};
  } else {
    const Status& error = outcome.output.status();
    response_ = {model::HttpStatusOf(error.code()), model::EncodeError(error)};
  }
}

void Connection::Publish(const ops::Outcome& outcome) {
  const ServerOptions& options = config_.options;
  if (!options.records) return;
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(
      SteadyClock::now() - started_);
  options.records->Publish(ops::MakeRecord(meta_, outcome, "http", options.clock->NowMillis(),
                                           latency.count()));
}

void Connection::Answer(bool served) {
  if (served) {
    Reply(response_.http_status, response_.body, KeepAlive(),
          kind_ == Kind::kMetrics ? kMetricsType : kAwsJsonType);
  } else {
    Reply(500, config_.bodies.internal, KeepAlive());
  }
}

void Connection::Reply(int status, std::string_view body, bool keep_alive,
                       std::string_view content_type) {
  spdlog::debug("request {} {} {}: {} ({} bytes)", meta_.request_id, meta_.source_ip,
                reader_.target(), status, body.size());
  keep_alive_ = keep_alive;
  body_ = reader_.is_head() ? std::string_view() : body;
  head_.assign("HTTP/1.1 ");
  AppendNumber(head_, status);
  head_ += ' ';
  const auto reason = bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  head_.append(reason.data(), reason.size());
  head_.append("\r\nx-amzn-RequestId: ");
  head_.append(meta_.request_id);
  head_.append("\r\nContent-Type: ");
  head_.append(content_type);
  head_.append("\r\nContent-Length: ");
  AppendNumber(head_, body.size());
  head_.append("\r\n");
  head_.append(DateHeader());
  if (!keep_alive) {
    head_.append("Connection: close\r\n");
  } else if (reader_.version() < 11) {
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
  WipeResponse();
  if (ec) {
    Close();
  } else if (keep_alive_ && !worker_.shutting_down) {
    ReadRequest();  // wipes the request just answered
  } else {
    Linger();
  }
}

// The response may hold plaintext or a data key.
void Connection::WipeResponse() {
  SecureWipe(response_.body.data(), response_.body.size());
  response_.body.clear();
  body_ = {};
}

// Half-closes, then reads until the peer closes too (bounded in time): closing with unread
// input would reset the connection and could destroy the response before the client reads it.
void Connection::Linger() {
  reader_.Wipe();
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  SetDeadline(std::min<SteadyClock::duration>(
      kMaxLinger, std::chrono::seconds(config_.options.read_timeout_seconds)));
  Drain();
}

void Connection::Drain() {
  const std::span<char> space = reader_.ReadSpace();
  socket_.async_read_some(asio::buffer(space.data(), space.size()),
                          [self = shared_from_this(), space](error_code ec, size_t n) {
                            SecureWipe(space.data(), n);
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

// At the cap, a new connection takes the place of the longest-idle keep-alive connection. When
// none is idle, the new one is refused by closing it before reading anything: clients see the
// connection closed, which SDKs retry, and nothing is held for it.
void Worker::Admit(tcp::socket socket) {
  if (shutting_down) return;
  if (config.open_connections.load(std::memory_order_relaxed) >= config.options.max_connections &&
      !CloseLongestIdle()) {
    const auto now = SteadyClock::now();
    if (now - last_refusal_log >= kRefusalLogInterval) {
      last_refusal_log = now;
      spdlog::warn("{} connections open, none idle: refusing new ones (--max-connections)",
                   config.options.max_connections);
    }
    return;
  }
  std::make_shared<Connection>(config, *this, std::move(socket))->Start();
}

// With several workers each closes among its own connections only: the connections are spread
// evenly over the workers, so its longest-idle one is among the longest-idle of the server.
bool Worker::CloseLongestIdle() {
  Connection* longest = nullptr;
  for (Connection& connection : connections) {
    if (connection.Idle() && (!longest || connection.deadline() < longest->deadline())) {
      longest = &connection;
    }
  }
  if (!longest) return false;
  longest->Close();
  return true;
}

class Server final : public HttpServer {
 public:
  Server(const ServerOptions& options, Handler handler) : config_(options, std::move(handler)) {
    const int threads = std::max(1, options.threads);
    for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>(config_));
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  ~Server() override {
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
  }

  Status Listen();
  uint16_t port() const override { return port_; }
  void Run() override;
  void Stop() override {
    asio::post(workers_[0]->ioc, [this] { BeginShutdown(); });
  }

 private:
  Status Bind(const asio::ip::address& address, uint16_t port);
  // A listening socket, and the timer that paces its accepts after an error.
  struct Listener {
    explicit Listener(asio::io_context& ioc) : acceptor(ioc), retry(ioc) {}
    tcp::acceptor acceptor;
    asio::steady_timer retry;
  };

  void Accept(Listener& listener);
  bool ShedPendingConnection(tcp::acceptor& acceptor);
  void BeginShutdown();

  Config config_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // On workers_[0]'s io_context, so declared after workers_.
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::optional<asio::signal_set> signals_;
  size_t next_worker_ = 0;
  bool shutting_down_ = false;  // only touched on workers_[0]'s thread
  uint16_t port_ = 0;
  // Held so that accept can still take a connection off the backlog when descriptors run out.
  int reserve_fd_ = -1;
};

Status Server::Bind(const asio::ip::address& address, uint16_t port) {
  const tcp::endpoint endpoint(address, port);
  auto listener = std::make_unique<Listener>(workers_[0]->ioc);
  tcp::acceptor* acceptor = &listener->acceptor;
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
  listeners_.push_back(std::move(listener));
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

void Server::Accept(Listener& listener) {
  Worker& worker = *workers_[next_worker_++ % workers_.size()];
  tcp::acceptor& acceptor = listener.acceptor;
  acceptor.async_accept(worker.ioc, [this, &listener, &worker](error_code ec, tcp::socket socket) {
    if (shutting_down_) return;
    if ((ec == asio::error::no_descriptors ||
         ec == boost::system::errc::too_many_files_open_in_system) &&
        ShedPendingConnection(listener.acceptor)) {
      Accept(listener);
      return;
    }
    if (ec) {
      // Wait a little rather than spin.
      spdlog::warn("accept failed: {}", ec.message());
      listener.retry.expires_after(kAcceptRetryDelay);
      listener.retry.async_wait([this, &listener](error_code) {
        if (!shutting_down_) Accept(listener);
      });
      return;
    }
    asio::post(worker.ioc, [&worker, socket = std::move(socket)]() mutable {
      worker.Admit(std::move(socket));
    });
    Accept(listener);
  });
}

// Out of descriptors, the connection waiting in the backlog would make every accept fail at
// once: with the reserve descriptor given up for a moment, it is taken and closed (the client
// sees its connection closed). False when no connection was waiting (Linux reports EMFILE before
// it looks at the backlog).
bool Server::ShedPendingConnection(tcp::acceptor& acceptor) {
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
  const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    spdlog::warn("out of file descriptors: closed a new connection (see --max-connections)");
  }
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  return fd >= 0;
}

void Server::Run() {
  Worker& first = *workers_[0];
  signals_.emplace(first.ioc, SIGINT, SIGTERM);
  signals_->async_wait([this](error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: finishing in-flight requests and stopping", signal);
    BeginShutdown();
  });
  for (auto& listener : listeners_) Accept(*listener);
  for (auto& worker : workers_) asio::post(worker->ioc, [w = worker.get()] { w->Sweep(); });

  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers_.size(); ++i) {
    threads.emplace_back([w = workers_[i].get()] { w->Run(); });
  }
  first.Run();
  for (auto& thread : threads) thread.join();
  if (config_.blocking) config_.blocking->join();
  if (config_.compute) config_.compute->join();
}

void Server::BeginShutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  config_.draining = true;
  error_code ignored;
  for (auto& listener : listeners_) {
    listener->acceptor.close(ignored);
    listener->retry.cancel();
  }
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
