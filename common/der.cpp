#include "common/der.h"

#include <array>
#include <cassert>

namespace trent::der {
namespace {

constexpr uint8_t kInteger = 0x02;
constexpr uint8_t kBitString = 0x03;
constexpr uint8_t kOctetString = 0x04;
constexpr uint8_t kNull = 0x05;
constexpr uint8_t kObjectIdentifier = 0x06;
constexpr uint8_t kSequence = 0x30;  // constructed
constexpr uint8_t kContextConstructed = 0xa0;

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

}  // namespace trent::der
