// Byte strings, and a buffer that wipes itself for plaintext that must pass through memory.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trent {

using Bytes = std::vector<uint8_t>;

inline std::string_view AsStringView(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }
// The same bytes viewed as bytes, not copied.
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Overwrites `size` bytes at `p` in a way the optimiser may not drop.
void SecureWipe(void* p, size_t size);

// Plaintext (caller data, data keys) wiped when the buffer goes away.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) {}
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    Wipe();
    data_ = std::move(o.data_);
    return *this;
  }
  ~SecretBytes() { Wipe(); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  void resize(size_t n) { data_.resize(n); }
  std::string_view view() const { return AsStringView(data_); }
  std::span<const uint8_t> bytes() const { return data_; }

 private:
  void Wipe() { if (!data_.empty()) SecureWipe(data_.data(), data_.size()); }
  Bytes data_;
};

// Lowercase hex digits, two per byte.
std::string HexEncode(const uint8_t* p, size_t n);
inline std::string HexEncode(const Bytes& b) { return HexEncode(b.data(), b.size()); }

// The hex digits a decoder takes: lowercase only, for what trent wrote itself with HexEncode (so
// that each value has one spelling), or either case, for what clients and files send.
enum class HexCase { kLowerOnly, kAny };

// The value of one hex digit (0-15), or -1 when `c` is not one.
int HexDigitValue(char c, HexCase accepted);

// Decodes exactly 2 * `size` hex digits into `out`; false, with `out` unspecified, when `hex`
// has another length or holds anything but hex digits.
bool HexDecodeInto(std::string_view hex, uint8_t* out, size_t size, HexCase accepted);

}  // namespace trent
