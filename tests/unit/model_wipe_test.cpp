// The codec leaves no plaintext in freed memory (issue 10, defect 8): this test binary replaces
// the global allocation functions and, while a probe is armed, looks into every block freed.
#include <catch.hpp>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "server/model/codec.h"

namespace {

std::atomic<bool> g_armed{false};
std::string_view g_needle;  // set while not armed
std::atomic<int> g_found{0};

void Inspect(void* p) {
  if (p == nullptr || !g_armed.load(std::memory_order_relaxed)) return;
  if (memmem(p, malloc_usable_size(p), g_needle.data(), g_needle.size()) != nullptr) ++g_found;
}

void* Allocate(size_t n, size_t align) {
  n = std::max<size_t>(n, 1);
  void* p = align <= alignof(std::max_align_t)
                ? std::malloc(n)
                : std::aligned_alloc(align, (n + align - 1) / align * align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void Free(void* p) {
  Inspect(p);
  std::free(p);
}

// Counts the freed blocks that held `needle` while `fn` ran.
template <typename Fn>
int FreedHolding(std::string_view needle, Fn fn) {
  g_needle = needle;
  g_found = 0;
  g_armed = true;
  fn();
  g_armed = false;
  return g_found;
}

std::string Base64(std::string_view data) {
  std::string out;
  trent::Base64EncodeAppend(data, out);
  return out;
}

}  // namespace

void* operator new(size_t n) { return Allocate(n, 0); }
void* operator new[](size_t n) { return Allocate(n, 0); }
void* operator new(size_t n, std::align_val_t a) { return Allocate(n, static_cast<size_t>(a)); }
void* operator new[](size_t n, std::align_val_t a) { return Allocate(n, static_cast<size_t>(a)); }
// The nothrow forms too (Catch2 uses them): under ASan an unreplaced one would pair ASan's
// allocation with this file's free.
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return std::malloc(std::max<size_t>(n, 1));
}
void* operator new[](size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Free(p); }
void operator delete(void* p) noexcept { Free(p); }
void operator delete[](void* p) noexcept { Free(p); }
void operator delete(void* p, size_t) noexcept { Free(p); }
void operator delete[](void* p, size_t) noexcept { Free(p); }
void operator delete(void* p, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { Free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { Free(p); }

TEST_CASE("the probe sees plaintext in freed memory", "[model][wipe]") {
  const std::string secret = "probe-secret-0123456789";
  CHECK(FreedHolding(secret, [&] { std::string copy = secret + std::string(100, '.'); }) == 1);
}

// A plaintext recognisable in both forms: its length is a multiple of 3, so the base64 of the
// repetition repeats the base64 of the marker.
const std::string kMarker = "PLAINTEXT-MARKER-XYZ!";

TEST_CASE("a decoded request leaves no plaintext in freed memory", "[model][wipe]") {
  const std::string& marker = kMarker;
  REQUIRE(marker.size() % 3 == 0);
  std::string plaintext;
  while (plaintext.size() + marker.size() <= 4096) plaintext += marker;  // beyond the parser's scratch
  const std::string encoded = Base64(plaintext);
  const std::string body = R"({"KeyId":"k","EncryptionContext":{"a":"b"},"Plaintext":")" + encoded + "\"}";
  const trent::model::Operation* encrypt = trent::model::FindOperation("Encrypt");
  REQUIRE(encrypt != nullptr);

  for (const std::string& needle : {marker, Base64(marker)}) {
    bool decoded = false;
    CHECK(FreedHolding(needle, [&] {
            auto input = trent::model::DecodeRequest(*encrypt, body);
            decoded = input.ok() && input->at("Plaintext").as_string() == plaintext;
          }) == 0);
    CHECK(decoded);
  }
}

TEST_CASE("an encoded response leaves no plaintext in freed memory", "[model][wipe]") {
  const std::string encoded = Base64(kMarker) + std::string(5000, 'A');
  std::string text;
  CHECK(FreedHolding(Base64(kMarker), [&] {
          boost::json::object output;
          output["KeyId"] = "k";
          output["Plaintext"] = encoded;
          output["Escaped"] = std::string(3000, '\x01');  // the buffer grows
          text = trent::model::EncodeResponse(output);
        }) == 0);
  CHECK(text.find(Base64(kMarker)) != std::string::npos);
}
