// Reads HTTP/1.1 requests from a connection's bytes, within fixed memory: the bytes read from
// the socket go into a bounded buffer, the parser keeps only what AWS JSON 1.1 needs (and,
// when asked, the header fields a signature covers). Free of
// Beast and sockets, so that tests and the fuzz target drive it with plain bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

namespace trent::http {

struct RequestLimits {
  size_t max_header_bytes = 16 * 1024;  // also bounds a chunk-extension line and the trailer
  size_t max_body_bytes = 1024 * 1024;
};

class RequestReader {
 public:
  enum class Outcome {
    kNeedMore,         // read more bytes into ReadSpace(), then Parse() again
    kComplete,         // the request is whole: see the accessors
    kHeaderTooLarge,   // header beyond max_header_bytes
    kFramingTooLarge,  // a chunk-extension line or the trailer beyond max_header_bytes
    kBodyTooLarge,     // body beyond max_body_bytes
    kMalformed,        // not HTTP/1.x
  };

  // `keep_headers`: also keep every header field, for headers() (the signature check needs
  // them); else only the few fields of the accessors below.
  RequestReader(const RequestLimits& limits, bool keep_headers);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // The most memory a reader holds with these limits: MemoryInUse() never exceeds it.
  static size_t MemoryBound(const RequestLimits& limits);

  // Starts the next request; wipes what the previous one left (its body, its consumed bytes).
  void Start();
  // Parses the bytes read so far. After kComplete, bytes of a pipelined next request may remain
  // buffered for the next Start().
  Outcome Parse();
  // Where the next read from the socket goes. Empty when the buffer is full, which Parse()
  // never leaves it at with kNeedMore.
  std::span<char> ReadSpace();
  // `n` bytes were read into ReadSpace().
  void CommitRead(size_t n);
  // Bytes read and not yet parsed.
  size_t Unparsed() const;
  // Wipes the body and the unparsed bytes (the connection is ending).
  void Wipe();
  // Capacity of the read buffer and of the body: what the reader holds now.
  size_t MemoryInUse() const;

  // The request being read; valid once its header is parsed, until the next Start().
  bool header_done() const;
  bool is_post() const;
  bool is_head() const;
  bool is_get() const;
  int version() const;  // 10 or 11
  bool keep_alive() const;
  bool expects_continue() const;
  std::string_view path() const;           // the request line's target, e.g. "/"
  std::string_view target() const;         // X-Amz-Target
  std::string_view authorization() const;  // Authorization
  std::string_view user_agent() const;     // User-Agent
  // Every header field as "name:value\n" lines, names lower-cased, in arrival order; empty
  // unless the reader keeps headers. Within max_header_bytes, as the header is.
  std::string_view headers() const;
  std::string_view body() const;           // whole once kComplete

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace trent::http
