#include "server/pbjson/message_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/timestamp.pb.h>

#include "common/base64.h"

namespace trent::pbjson {
namespace {

namespace json = boost::json;
namespace pb = google::protobuf;
using Cpp = pb::FieldDescriptor::CppType;

constexpr int64_t kNanosPerSecond = 1'000'000'000;

bool IsTimestamp(const pb::Descriptor* d) {
  return d->full_name() == pb::Timestamp::descriptor()->full_name();
}

json::value Seconds(const pb::Message& timestamp) {
  const pb::Reflection* r = timestamp.GetReflection();
  const pb::Descriptor* d = timestamp.GetDescriptor();
  const int64_t seconds = r->GetInt64(timestamp, d->FindFieldByName("seconds"));
  const int32_t nanos = r->GetInt32(timestamp, d->FindFieldByName("nanos"));
  if (nanos == 0) return seconds;
  return static_cast<double>(seconds) + static_cast<double>(nanos) / kNanosPerSecond;
}

json::value Blob(const std::string& bytes, Blobs blobs, const json::storage_ptr& sp) {
  json::string s(sp);
  if (blobs == Blobs::kRaw) {
    s.assign(bytes);
  } else {
    s.resize(Base64EncodedSize(bytes.size()));
    Base64EncodeTo(bytes, s.data());
  }
  return s;
}

json::value Single(const pb::Message& m, const pb::FieldDescriptor* f, Blobs blobs,
                   const json::storage_ptr& sp);
json::value Element(const pb::Message& m, const pb::FieldDescriptor* f, int i, Blobs blobs,
                    const json::storage_ptr& sp);

json::value MessageValue(const pb::Message& m, Blobs blobs, const json::storage_ptr& sp) {
  if (IsTimestamp(m.GetDescriptor())) return Seconds(m);
  json::object o(sp);
  ToJson(m, o, blobs);
  return o;
}

json::value Single(const pb::Message& m, const pb::FieldDescriptor* f, Blobs blobs,
                   const json::storage_ptr& sp) {
  const pb::Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case Cpp::CPPTYPE_STRING:
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) return Blob(r->GetString(m, f), blobs, sp);
      return json::string(r->GetString(m, f), sp);
    case Cpp::CPPTYPE_BOOL: return r->GetBool(m, f);
    case Cpp::CPPTYPE_INT32: return static_cast<int64_t>(r->GetInt32(m, f));
    case Cpp::CPPTYPE_INT64: return r->GetInt64(m, f);
    case Cpp::CPPTYPE_UINT32: return static_cast<int64_t>(r->GetUInt32(m, f));
    case Cpp::CPPTYPE_UINT64: return r->GetUInt64(m, f);
    case Cpp::CPPTYPE_DOUBLE: return r->GetDouble(m, f);
    case Cpp::CPPTYPE_FLOAT: return static_cast<double>(r->GetFloat(m, f));
    case Cpp::CPPTYPE_ENUM: return json::string(r->GetEnum(m, f)->name(), sp);
    case Cpp::CPPTYPE_MESSAGE: return MessageValue(r->GetMessage(m, f), blobs, sp);
  }
  return nullptr;
}

json::value Element(const pb::Message& m, const pb::FieldDescriptor* f, int i, Blobs blobs,
                    const json::storage_ptr& sp) {
  const pb::Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case Cpp::CPPTYPE_STRING:
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) {
        return Blob(r->GetRepeatedString(m, f, i), blobs, sp);
      }
      return json::string(r->GetRepeatedString(m, f, i), sp);
    case Cpp::CPPTYPE_BOOL: return r->GetRepeatedBool(m, f, i);
    case Cpp::CPPTYPE_INT32: return static_cast<int64_t>(r->GetRepeatedInt32(m, f, i));
    case Cpp::CPPTYPE_INT64: return r->GetRepeatedInt64(m, f, i);
    case Cpp::CPPTYPE_UINT32: return static_cast<int64_t>(r->GetRepeatedUInt32(m, f, i));
    case Cpp::CPPTYPE_UINT64: return r->GetRepeatedUInt64(m, f, i);
    case Cpp::CPPTYPE_DOUBLE: return r->GetRepeatedDouble(m, f, i);
    case Cpp::CPPTYPE_FLOAT: return static_cast<double>(r->GetRepeatedFloat(m, f, i));
    case Cpp::CPPTYPE_ENUM: return json::string(r->GetRepeatedEnum(m, f, i)->name(), sp);
    case Cpp::CPPTYPE_MESSAGE: return MessageValue(r->GetRepeatedMessage(m, f, i), blobs, sp);
  }
  return nullptr;
}

// A map field is a repeated message of {key = 1, value = 2}.
json::value Map(const pb::Message& m, const pb::FieldDescriptor* f, Blobs blobs,
                const json::storage_ptr& sp) {
  const pb::Reflection* r = m.GetReflection();
  const pb::FieldDescriptor* key = f->message_type()->map_key();
  const pb::FieldDescriptor* value = f->message_type()->map_value();
  json::object o(sp);
  const int n = r->FieldSize(m, f);
  for (int i = 0; i < n; ++i) {
    const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
    const std::string k = entry.GetReflection()->GetString(entry, key);
    o[k] = Single(entry, value, blobs, sp);
  }
  return o;
}

Status WrongType(const pb::FieldDescriptor* f, const char* expected) {
  return {ErrorCode::kSerialization,
          "Member " + f->json_name() + " must be " + expected + "."};
}

// The value of `v` as a whole number within [lo, hi]; JSON fractions are truncated, as AWS
// truncates them.
Result<int64_t> Whole(const pb::FieldDescriptor* f, const json::value& v, int64_t lo, int64_t hi) {
  int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(hi)) return WrongType(f, "a number in range");
    n = static_cast<int64_t>(v.get_uint64());
  } else if (v.is_double()) {
    const double d = std::trunc(v.get_double());
    if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi))) {
      return WrongType(f, "a number in range");
    }
    n = static_cast<int64_t>(d);
  } else {
    return WrongType(f, "a number");
  }
  if (n < lo || n > hi) return WrongType(f, "a number in range");
  return n;
}

Result<std::string> Bytes(const pb::FieldDescriptor* f, const json::value& v) {
  if (!v.is_string()) return WrongType(f, "a base64 string");
  std::string bytes(v.get_string());
  Result<size_t> n = Base64DecodeInPlace(bytes);
  if (!n.ok()) return Status(ErrorCode::kSerialization, "Member " + f->json_name() +
                                                            ": " + n.status().message());
  bytes.resize(*n);
  return bytes;
}

Status SetTimestamp(const pb::FieldDescriptor* f, const json::value& v, pb::Message* ts) {
  if (!v.is_number()) return WrongType(f, "a number of epoch seconds");
  const double seconds = v.to_number<double>();
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e15) return WrongType(f, "a time");
  const double whole = std::floor(seconds);
  const pb::Reflection* r = ts->GetReflection();
  const pb::Descriptor* d = ts->GetDescriptor();
  r->SetInt64(ts, d->FindFieldByName("seconds"), static_cast<int64_t>(whole));
  // Whole microseconds: a double of epoch seconds holds no finer digits (AWS's times are
  // milliseconds), and rounding keeps 0.368 from becoming 368000031 ns.
  const int64_t micros = std::min<int64_t>(std::llround((seconds - whole) * 1e6), 999'999);
  r->SetInt32(ts, d->FindFieldByName("nanos"), static_cast<int32_t>(micros * 1000));
  return Status::Ok();
}

// Sets the single field `f` (or appends to it when repeated) from `v`.
Status Set(pb::Message* m, const pb::FieldDescriptor* f, const json::value& v) {
  const pb::Reflection* r = m->GetReflection();
  const bool repeated = f->is_repeated();
  switch (f->cpp_type()) {
    case Cpp::CPPTYPE_STRING: {
      std::string s;
      if (f->type() == pb::FieldDescriptor::TYPE_BYTES) {
        TRY(s, Bytes(f, v));
      } else if (v.is_string()) {
        s.assign(v.get_string());
      } else {
        return WrongType(f, "a string");
      }
      repeated ? r->AddString(m, f, std::move(s)) : r->SetString(m, f, std::move(s));
      return Status::Ok();
    }
    case Cpp::CPPTYPE_BOOL:
      if (!v.is_bool()) return WrongType(f, "a boolean");
      repeated ? r->AddBool(m, f, v.get_bool()) : r->SetBool(m, f, v.get_bool());
      return Status::Ok();
    case Cpp::CPPTYPE_INT32: {
      TRY(int64_t n, Whole(f, v, std::numeric_limits<int32_t>::min(),
                           std::numeric_limits<int32_t>::max()));
      repeated ? r->AddInt32(m, f, static_cast<int32_t>(n))
               : r->SetInt32(m, f, static_cast<int32_t>(n));
      return Status::Ok();
    }
    case Cpp::CPPTYPE_INT64: {
      TRY(int64_t n, Whole(f, v, std::numeric_limits<int64_t>::min(),
                           std::numeric_limits<int64_t>::max()));
      repeated ? r->AddInt64(m, f, n) : r->SetInt64(m, f, n);
      return Status::Ok();
    }
    case Cpp::CPPTYPE_DOUBLE:
      if (!v.is_number()) return WrongType(f, "a number");
      repeated ? r->AddDouble(m, f, v.to_number<double>())
               : r->SetDouble(m, f, v.to_number<double>());
      return Status::Ok();
    case Cpp::CPPTYPE_MESSAGE: {
      pb::Message* sub = repeated ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      if (IsTimestamp(f->message_type())) return SetTimestamp(f, v, sub);
      if (!v.is_object()) return WrongType(f, "an object");
      return FromJson(v.get_object(), sub);
    }
    default:  // kms.proto has no other field types
      return WrongType(f, "a supported value");
  }
}

Status SetMap(pb::Message* m, const pb::FieldDescriptor* f, const json::value& v) {
  if (!v.is_object()) return WrongType(f, "an object");
  const pb::Reflection* r = m->GetReflection();
  const pb::FieldDescriptor* key = f->message_type()->map_key();
  const pb::FieldDescriptor* value = f->message_type()->map_value();
  for (const auto& kv : v.get_object()) {
    if (kv.value().is_null()) continue;
    pb::Message* entry = r->AddMessage(m, f);
    entry->GetReflection()->SetString(entry, key, std::string(kv.key()));
    TRY_STATUS(Set(entry, value, kv.value()));
  }
  return Status::Ok();
}

const pb::FieldDescriptor* FieldNamed(const pb::Descriptor* d, std::string_view json_name) {
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == json_name) return d->field(i);
  }
  return nullptr;
}

}  // namespace

void ToJson(const pb::Message& message, json::object& out, Blobs blobs) {
  const pb::Descriptor* d = message.GetDescriptor();
  const pb::Reflection* r = message.GetReflection();
  const json::storage_ptr& sp = out.storage();
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->is_map()) {
      if (r->FieldSize(message, f) > 0) out[f->json_name()] = Map(message, f, blobs, sp);
    } else if (f->is_repeated()) {
      const int n = r->FieldSize(message, f);
      if (n == 0) continue;
      json::array a(sp);
      a.reserve(static_cast<size_t>(n));
      for (int j = 0; j < n; ++j) a.push_back(Element(message, f, j, blobs, sp));
      out[f->json_name()] = std::move(a);
    } else if (r->HasField(message, f)) {
      out[f->json_name()] = Single(message, f, blobs, sp);
    }
  }
}

Status FromJson(const json::object& in, pb::Message* message) {
  const pb::Descriptor* d = message->GetDescriptor();
  for (const auto& kv : in) {
    if (kv.value().is_null()) continue;
    const pb::FieldDescriptor* f = FieldNamed(d, kv.key());
    if (!f) continue;
    if (f->is_map()) {
      TRY_STATUS(SetMap(message, f, kv.value()));
    } else if (f->is_repeated()) {
      if (!kv.value().is_array()) return WrongType(f, "a list");
      for (const json::value& e : kv.value().get_array()) {
        if (!e.is_null()) TRY_STATUS(Set(message, f, e));
      }
    } else {
      TRY_STATUS(Set(message, f, kv.value()));
    }
  }
  return Status::Ok();
}

}  // namespace trent::pbjson
