// DER (ITU-T X.690) for the few structures trent builds from key parts or takes apart itself:
// SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo. OpenSSL 3 writes and reads them (i2d_PUBKEY,
// EVP_PKEY2PKCS8, d2i_PUBKEY) through its encoder and decoder frameworks, which search their
// encoders or decoders under a global lock at every call: about 110 µs per EC key pair here,
// five times the key generation itself.
//
// A Value knows its encoded size before anything is written, so that a structure holding
// secrets is written once, into a buffer of its exact size, and leaves no copy behind.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/bytes.h"

namespace trent::der {

// The universal tags trent writes and reads.
inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kBitString = 0x03;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kNull = 0x05;
inline constexpr uint8_t kObjectIdentifier = 0x06;
inline constexpr uint8_t kSequence = 0x30;  // constructed

class Value {
 public:
  // `content` is not copied: it must outlive the Value.
  Value(uint8_t tag, std::span<const uint8_t> content, bool leading_zero = false);
  // The encodings of `children`, one after another, as the content.
  Value(uint8_t tag, std::vector<Value> children, bool leading_zero = false);

  size_t size() const;  // of the whole encoding: tag, length, content
  Bytes Encode() const;
  SecretBytes EncodeSecret() const;

 private:
  uint8_t* WriteTo(uint8_t* out) const;  // returns the end of what it wrote

  uint8_t tag_;
  bool leading_zero_;  // a 0x00 byte before the content (INTEGER sign, BIT STRING unused bits)
  std::span<const uint8_t> content_;
  std::vector<Value> children_;
  size_t content_size_;
};

// INTEGER of an unsigned big-endian number (leading zero bytes are dropped; empty is 0).
Value Integer(std::span<const uint8_t> big_endian);
Value SmallInteger(uint8_t value);  // 0..127, e.g. the versions of PKCS#8 and ECPrivateKey
// OBJECT IDENTIFIER from its encoded content (the bytes after tag and length).
Value ObjectIdentifier(std::span<const uint8_t> content);
Value Null();
Value OctetString(std::span<const uint8_t> content);
Value OctetStringOf(Value inner);  // an OCTET STRING that holds a DER value
Value BitString(std::span<const uint8_t> content);  // whole bytes: no unused bits
Value BitStringOf(Value inner);
Value Sequence(std::vector<Value> members);
Value Explicit(uint8_t number, Value inner);  // [number] EXPLICIT, context-specific

// Reads values one after another from bytes a client may have sent, as DER only: a definite
// length in its shortest form, within the input. Views into the input, nothing copied.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  // The content of the next value when it is DER and its tag is `tag` (and then moves past it);
  // nullopt otherwise, without moving.
  std::optional<std::span<const uint8_t>> Next(uint8_t tag);
  bool done() const { return in_.empty(); }

 private:
  std::span<const uint8_t> in_;
};

}  // namespace trent::der
