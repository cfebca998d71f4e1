// What the gRPC frontend does with a client's request before the operation layer: the first
// input byte picks an operation of the KMS model, the rest is parsed as its protobuf request
// message (trent.v1.<input shape>), turned into the operation layer's JSON object
// (pbjson::ToJson) and validated against the model (model::ValidateRequest). Then the object
// goes back through AWS JSON text into a message (what trentctl does). Nothing may crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "server/model/codec.h"
#include "server/model/service_model.h"
#include "server/pbjson/message_json.h"
#include "trent/v1/kms.pb.h"

namespace pb = google::protobuf;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // Links kms.pb.cc, whose static initializer registers the descriptors looked up below.
  (void)trent::v1::EncryptRequest::descriptor();
  const auto ops = trent::model::Operations();
  const trent::model::Operation& op = ops[data[0] % ops.size()];
  const std::string name = std::string("trent.v1.") + trent::model::ShapeAt(op.input).name;
  const pb::Descriptor* type = pb::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
  if (!type) std::abort();  // kms.proto and the model tables come from the same model
  std::unique_ptr<pb::Message> request(
      pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
  if (!request->ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;

  boost::json::object input(trent::model::RequestStorage(size * 2 + 256));
  trent::pbjson::ToJson(*request, input, trent::pbjson::Blobs::kRaw);
  trent::model::ValidateRequest(op, input, trent::model::BlobForm::kRaw).ok();

  boost::json::object text;
  trent::pbjson::ToJson(*request, text, trent::pbjson::Blobs::kBase64);
  std::unique_ptr<pb::Message> again(request->New());
  if (!trent::pbjson::FromJson(text, again.get()).ok()) std::abort();  // its own output
  return 0;
}
