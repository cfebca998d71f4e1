#include "tools/trentctl/kms_command.h"

#include <future>
#include <iostream>

#include <boost/json.hpp>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/impl/codegen/proto_utils.h>  // SerializationTraits of protobuf messages

#include "server/pbjson/message_json.h"
#include "trent/v1/kms.pb.h"

namespace trent::ctl {
namespace {

namespace pb = google::protobuf;

const pb::ServiceDescriptor* KmsService() {
  return trent::v1::EncryptRequest::descriptor()->file()->FindServiceByName(
      "KeyManagementService");
}

std::unique_ptr<pb::Message> NewMessage(const pb::Descriptor* type) {
  return std::unique_ptr<pb::Message>(
      pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

}  // namespace

int RunKms(const Options& options, const std::string& operation, const std::string& request_json) {
  const pb::ServiceDescriptor* service = KmsService();
  const pb::MethodDescriptor* method = service->FindMethodByName(operation);
  if (!method) {
    std::cerr << "trentctl: " << service->full_name() << " has no operation '" << operation
              << "'\n";
    return kExitUsage;
  }
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(request_json, ec);
  if (ec || !parsed.is_object()) {
    std::cerr << "trentctl: the request of " << operation << " must be a JSON object"
              << (ec ? ": " + ec.message() : std::string()) << "\n";
    return kExitUsage;
  }
  std::unique_ptr<pb::Message> request = NewMessage(method->input_type());
  if (Status s = pbjson::FromJson(parsed.as_object(), request.get()); !s.ok()) {
    std::cerr << AwsErrorType(s.code()) << ": " << s.message() << "\n";
    return kExitUsage;
  }
  std::unique_ptr<pb::Message> response = NewMessage(method->output_type());

  grpc::TemplatedGenericStub<pb::Message, pb::Message> stub(options.channel);
  std::unique_ptr<grpc::ClientContext> context = NewContext(options);
  std::promise<grpc::Status> done;
  stub.UnaryCall(context.get(), "/" + service->full_name() + "/" + method->name(),
                 grpc::StubOptions(), request.get(), response.get(),
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  const grpc::Status status = done.get_future().get();
  if (!status.ok()) return ReportFailure(status);

  boost::json::object answer;
  pbjson::ToJson(*response, answer, pbjson::Blobs::kBase64);
  std::cout << boost::json::serialize(answer) << "\n";
  return kExitOk;
}

}  // namespace trent::ctl
