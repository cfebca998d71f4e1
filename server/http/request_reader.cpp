// Beast parses; this file bounds what it may keep. Beast limits the header and the body but not
// the chunk-extension lines and the trailer, which it buffers whole until their end arrives: the
// read buffer here has a maximum, and after the header no more than max_header_bytes may wait
// unparsed. Bytes that held a request are wiped as soon as they are parsed, and wherever a
// buffer moves (it may hold plaintext or key material).
#include "server/http/request_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "common/bytes.h"

namespace trent::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using beast::error_code;

// Room for reads beyond the header limit, so that a header just under the limit still comes in
// reads of a useful size.
constexpr size_t kReadMargin = 16 * 1024;
constexpr size_t kInitialReadCapacity = 8 * 1024;
constexpr size_t kMinRead = 4 * 1024;
// Between requests a connection keeps buffers up to these sizes; KMS requests are small.
constexpr size_t kKeptReadCapacity = 32 * 1024;
constexpr size_t kKeptBodyCapacity = 64 * 1024;
constexpr size_t kKeptFieldCapacity = 1024;

// Empties `field`; a large one gives its memory back.
void ClearField(std::string& field) {
  if (field.capacity() > kKeptFieldCapacity) {
    std::string().swap(field);
  } else {
    field.clear();
  }
}

// Bytes read from the socket, [begin_, end_) not parsed yet; at most `max` bytes. Parsed bytes
// are wiped at once, and every copy left behind by a move or a reallocation.
class ReadBuffer {
 public:
  explicit ReadBuffer(size_t max) : max_(max) {}
  ~ReadBuffer() { Wipe(); }

  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return capacity_; }
  const char* data() const { return data_.get() + begin_; }

  void Consume(size_t n) {
    SecureWipe(data_.get() + begin_, n);
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }

  std::span<char> Space() {
    if (capacity_ - end_ < kMinRead && begin_ > 0) Compact();
    if (capacity_ - end_ < kMinRead && capacity_ < max_) {
      Reallocate(
          std::min(max_, std::max({2 * capacity_, size() + kMinRead, kInitialReadCapacity})));
    }
    return {data_.get() + end_, capacity_ - end_};
  }
  void Commit(size_t n) { end_ += n; }

  // Between requests: a buffer grown by a large request goes back to a small one.
  void Trim() {
    if (capacity_ > kKeptReadCapacity && size() <= kKeptReadCapacity) {
      Reallocate(size() == 0 ? 0 : kKeptReadCapacity);
    }
  }

  void Wipe() {
    if (data_) SecureWipe(data_.get() + begin_, size());
    begin_ = end_ = 0;
  }

 private:
  void Compact() {
    const size_t n = size();
    std::memmove(data_.get(), data_.get() + begin_, n);
    SecureWipe(data_.get() + n, begin_);  // what is left of the bytes that moved
    begin_ = 0;
    end_ = n;
  }
  // To `capacity` >= size() bytes; the unparsed bytes move to the front.
  void Reallocate(size_t capacity) {
    const size_t n = size();
    std::unique_ptr<char[]> moved(capacity > 0 ? new char[capacity] : nullptr);
    if (n > 0) std::memcpy(moved.get(), data(), n);
    Wipe();
    data_ = std::move(moved);
    capacity_ = capacity;
    end_ = n;
  }

  const size_t max_;
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

// The request body; grows at most to the body limit, and never leaves a copy behind.
class Body {
 public:
  explicit Body(size_t max) : max_(max) {}
  ~Body() { Clear(); }

  std::string_view view() const { return text_; }
  size_t capacity() const { return text_.capacity(); }

  void Reserve(size_t n) {
    if (n <= text_.capacity()) return;
    std::string grown;
    grown.reserve(std::max(n, std::min(max_, 2 * text_.capacity())));
    grown.assign(text_);
    Clear();
    text_.swap(grown);
  }
  void Append(std::string_view data) {
    Reserve(text_.size() + data.size());
    text_.append(data);
  }
  // Empties the body; a large one gives its memory back.
  void Clear() {
    SecureWipe(text_.data(), text_.size());
    if (text_.capacity() > kKeptBodyCapacity) {
      std::string().swap(text_);
    } else {
      text_.clear();
    }
  }

 private:
  const size_t max_;
  std::string text_;
};

// Keeps only what the server needs from a request.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  struct Fields {
    explicit Fields(size_t max_body) : body(max_body) {}
    std::string path;           // the request line's target, e.g. "/"
    std::string target;         // X-Amz-Target
    std::string authorization;  // Authorization
    std::string user_agent;     // User-Agent
    bool keep_headers = false;
    std::string headers;        // "name:value\n" lines, when keep_headers
    Body body;
  };

  explicit RequestParser(Fields& fields) : fields_(fields) {}

  bhttp::verb method() const { return method_; }
  int version() const { return version_; }
  bool expects_continue() const { return expects_continue_ && version_ >= 11; }

 private:
  void on_request_impl(bhttp::verb method, beast::string_view, beast::string_view path,
                       int version, error_code&) override {
    fields_.path.assign(path.data(), path.size());
    method_ = method;
    version_ = version;
  }
  void on_response_impl(int, beast::string_view, int, error_code&) override {}
  void on_field_impl(bhttp::field name, beast::string_view name_string, beast::string_view value,
                     error_code&) override {
    if (fields_.keep_headers) KeepHeader(name_string, value);
    if (name == bhttp::field::authorization) {
      fields_.authorization.assign(value.data(), value.size());
    } else if (name == bhttp::field::user_agent) {
      fields_.user_agent.assign(value.data(), value.size());
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
      fields_.body.Reserve(std::min<uint64_t>(*content_length, kKeptBodyCapacity));
    }
  }
  size_t on_body_impl(beast::string_view data, error_code&) override {
    fields_.body.Append({data.data(), data.size()});
    return data.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view data, error_code&) override {
    fields_.body.Append({data.data(), data.size()});
    return data.size();
  }
  void on_finish_impl(error_code&) override {}

  // A line of `headers`: each is shorter than its line in the request ("Name: value\r\n"), so
  // all of them fit in the header limit.
  void KeepHeader(beast::string_view name, beast::string_view value) {
    std::string& out = fields_.headers;
    for (char c : name) out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    out += ':';
    // Beast lets no CR or LF into a value; should one come, it must not end the line.
    for (char c : value) out += (c == '\n' || c == '\r') ? ' ' : c;
    out += '\n';
  }

  Fields& fields_;
  bhttp::verb method_ = bhttp::verb::unknown;
  int version_ = 11;
  bool expects_continue_ = false;
};

}  // namespace

struct RequestReader::State {
  State(const RequestLimits& l, bool keep_headers)
      : limits(l), buffer(l.max_header_bytes + kReadMargin), fields(l.max_body_bytes) {
    fields.keep_headers = keep_headers;
  }

  const RequestLimits limits;
  ReadBuffer buffer;
  RequestParser::Fields fields;
  std::optional<RequestParser> parser;  // a fresh one per request, built in place
};

RequestReader::RequestReader(const RequestLimits& limits, bool keep_headers)
    : state_(std::make_unique<State>(limits, keep_headers)) {
  Start();
}

RequestReader::~RequestReader() = default;

size_t RequestReader::MemoryBound(const RequestLimits& limits) {
  // The read buffer, the body, the four header parts kept and the kept header fields: each
  // group within the header, but a string may grow to twice what it holds.
  return limits.max_header_bytes + kReadMargin + limits.max_body_bytes +
         4 * limits.max_header_bytes;
}

void RequestReader::Start() {
  State& s = *state_;
  ClearField(s.fields.path);
  ClearField(s.fields.target);
  ClearField(s.fields.authorization);
  ClearField(s.fields.user_agent);
  ClearField(s.fields.headers);
  s.fields.body.Clear();
  s.buffer.Trim();
  s.parser.emplace(s.fields);
  s.parser->eager(true);
  s.parser->header_limit(static_cast<uint32_t>(
      std::min<size_t>(s.limits.max_header_bytes, UINT32_MAX)));
  s.parser->body_limit(s.limits.max_body_bytes);
}

RequestReader::Outcome RequestReader::Parse() {
  State& s = *state_;
  while (!s.parser->is_done()) {
    // Beast asserts (where assertions are compiled in, e.g. the sanitizer builds) that once it
    // has seen the last chunk of a chunked body it is called again with at least the 5 bytes of
    // "0\r\n\r\n"; a read may bring fewer. No chunked body can end in fewer bytes than those,
    // so waiting for more loses nothing.
    if (s.parser->is_header_done() && s.parser->chunked() && s.buffer.size() < 5) {
      return Outcome::kNeedMore;
    }
    error_code ec;
    const size_t used =
        s.parser->put(boost::asio::const_buffer(s.buffer.data(), s.buffer.size()), ec);
    s.buffer.Consume(used);
    if (ec == bhttp::error::need_more || (!ec && used == 0)) {
      // Beast keeps a chunk-extension line or the trailer unparsed until its end arrives.
      if (s.parser->is_header_done() && s.buffer.size() >= s.limits.max_header_bytes) {
        return Outcome::kFramingTooLarge;
      }
      return Outcome::kNeedMore;
    }
    if (ec == bhttp::error::header_limit) return Outcome::kHeaderTooLarge;
    if (ec == bhttp::error::body_limit) return Outcome::kBodyTooLarge;
    if (ec) return Outcome::kMalformed;
  }
  return Outcome::kComplete;
}

std::span<char> RequestReader::ReadSpace() { return state_->buffer.Space(); }
void RequestReader::CommitRead(size_t n) { state_->buffer.Commit(n); }
size_t RequestReader::Unparsed() const { return state_->buffer.size(); }

void RequestReader::Wipe() {
  state_->fields.body.Clear();
  state_->buffer.Wipe();
}

size_t RequestReader::MemoryInUse() const {
  const State& s = *state_;
  return s.buffer.capacity() + s.fields.body.capacity() + s.fields.path.capacity() +
         s.fields.target.capacity() + s.fields.authorization.capacity() +
         s.fields.user_agent.capacity() + s.fields.headers.capacity();
}

bool RequestReader::header_done() const { return state_->parser->is_header_done(); }
bool RequestReader::is_post() const { return state_->parser->method() == bhttp::verb::post; }
bool RequestReader::is_head() const { return state_->parser->method() == bhttp::verb::head; }
bool RequestReader::is_get() const { return state_->parser->method() == bhttp::verb::get; }
int RequestReader::version() const { return state_->parser->version(); }
bool RequestReader::keep_alive() const { return state_->parser->keep_alive(); }
bool RequestReader::expects_continue() const { return state_->parser->expects_continue(); }
std::string_view RequestReader::path() const { return state_->fields.path; }
std::string_view RequestReader::target() const { return state_->fields.target; }
std::string_view RequestReader::authorization() const { return state_->fields.authorization; }
std::string_view RequestReader::user_agent() const { return state_->fields.user_agent; }
std::string_view RequestReader::headers() const { return state_->fields.headers; }
std::string_view RequestReader::body() const { return state_->fields.body.view(); }

}  // namespace trent::http
