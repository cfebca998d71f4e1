#include "common/der.h"

#include <array>
#include <cassert>

namespace trent::der {
namespace {

constexpr uint8_t kContextConstructed = 0xa0;
// Lengths of up to 4 bytes: far beyond any key structure (and any request body).
constexpr size_t kMaxLengthBytes = 4;

// Bytes of the definite length `n`: short form below 128, else 0x80 + count, then big-endian.
size_t LengthSize(size_t n) {
  if (n < 0x80) return 1;
  size_t bytes = 0;
  for (; n != 0; n >>= 8) ++bytes;
  return 1 + bytes;
}

uint8_t* WriteLength(uint8_t* out, size_t n) {
  if (n < 0x80) {
    *out++ = static_cast<uint8_t>(n);
    return out;
  }
  const size_t count = LengthSize(n) - 1;
  *out++ = static_cast<uint8_t>(0x80 | count);
  for (size_t i = count; i-- > 0;) *out++ = static_cast<uint8_t>(n >> (8 * i));
  return out;
}

}  // namespace

Value::Value(uint8_t tag, std::span<const uint8_t> content, bool leading_zero)
    : tag_(tag), leading_zero_(leading_zero), content_(content),
      content_size_(content.size() + (leading_zero ? 1 : 0)) {}

Value::Value(uint8_t tag, std::vector<Value> children, bool leading_zero)
    : tag_(tag), leading_zero_(leading_zero), children_(std::move(children)),
      content_size_(leading_zero ? 1 : 0) {
  for (const Value& child : children_) content_size_ += child.size();
}

size_t Value::size() const { return 1 + LengthSize(content_size_) + content_size_; }

uint8_t* Value::WriteTo(uint8_t* out) const {
  *out++ = tag_;
  out = WriteLength(out, content_size_);
  if (leading_zero_) *out++ = 0;
  for (uint8_t b : content_) *out++ = b;
  for (const Value& child : children_) out = child.WriteTo(out);
  return out;
}

Bytes Value::Encode() const {
  Bytes out(size());
  [[maybe_unused]] uint8_t* end = WriteTo(out.data());
  assert(end == out.data() + out.size());
  return out;
}

SecretBytes Value::EncodeSecret() const {
  SecretBytes out(size());
  [[maybe_unused]] uint8_t* end = WriteTo(out.data());
  assert(end == out.data() + out.size());
  return out;
}

Value Integer(std::span<const uint8_t> big_endian) {
  size_t skip = 0;
  while (skip + 1 < big_endian.size() && big_endian[skip] == 0) ++skip;
  std::span<const uint8_t> magnitude = big_endian.subspan(skip);
  if (magnitude.empty()) return SmallInteger(0);
  // A set top bit would read as negative: DER puts one zero byte before it.
  return Value(kInteger, magnitude, (magnitude[0] & 0x80) != 0);
}

Value SmallInteger(uint8_t value) {
  static constexpr std::array<uint8_t, 128> kValues = [] {
    std::array<uint8_t, 128> values{};
    for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint8_t>(i);
    return values;
  }();
  assert(value < kValues.size());
  return Value(kInteger, std::span<const uint8_t>(&kValues[value], 1));
}

Value ObjectIdentifier(std::span<const uint8_t> content) {
  return Value(kObjectIdentifier, content);
}

Value Null() { return Value(kNull, std::span<const uint8_t>()); }

Value OctetString(std::span<const uint8_t> content) { return Value(kOctetString, content); }

Value OctetStringOf(Value inner) {
  std::vector<Value> children;
  children.push_back(std::move(inner));
  return Value(kOctetString, std::move(children));
}

Value BitString(std::span<const uint8_t> content) {
  return Value(kBitString, content, /*leading_zero=*/true);
}

Value BitStringOf(Value inner) {
  std::vector<Value> children;
  children.push_back(std::move(inner));
  return Value(kBitString, std::move(children), /*leading_zero=*/true);
}

Value Sequence(std::vector<Value> members) { return Value(kSequence, std::move(members)); }

Value Explicit(uint8_t number, Value inner) {
  assert(number < 31);
  std::vector<Value> children;
  children.push_back(std::move(inner));
  return Value(static_cast<uint8_t>(kContextConstructed | number), std::move(children));
}

std::optional<std::span<const uint8_t>> Reader::Next(uint8_t tag) {
  if (in_.size() < 2 || in_[0] != tag) return std::nullopt;
  size_t header = 2;
  size_t length = in_[1];
  if (length >= 0x80) {
    const size_t count = length & 0x7f;
    // 0x80 alone is BER's indefinite length.
    if (count == 0 || count > kMaxLengthBytes || in_.size() < 2 + count) return std::nullopt;
    length = 0;
    for (size_t i = 0; i < count; ++i) length = (length << 8) | in_[2 + i];
    // The shortest form only: no leading zero byte, and the long form only from 128 on.
    if (in_[2] == 0 || length < 0x80) return std::nullopt;
    header += count;
  }
  if (length > in_.size() - header) return std::nullopt;
  std::span<const uint8_t> content = in_.subspan(header, length);
  in_ = in_.subspan(header + length);
  return content;
}

}  // namespace trent::der
