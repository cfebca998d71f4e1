#include "server/grpc/grpc_server.h"

#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include "common/uuid.h"
#include "server/admin/access.h"
#include "server/admin/to_proto.h"
#include "server/grpc/errors.h"
#include "server/model/codec.h"
#include "server/pbjson/message_json.h"
#include "trent/v1/admin.grpc.pb.h"
#include "trent/v1/kms.grpc.pb.h"

namespace trent::grpcfront {
namespace {

namespace v1 = trent::v1;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kShutdownGrace = std::chrono::seconds(5);
constexpr char kFrontend[] = "grpc";

std::string_view Metadata(const grpc::ServerContext& ctx, std::string_view name) {
  const auto& md = ctx.client_metadata();
  auto it = md.find(grpc::string_ref(name.data(), name.size()));
  return it == md.end() ? std::string_view() : std::string_view(it->second.data(), it->second.size());
}

// The peer's IP address from gRPC's "ipv4:127.0.0.1:5000" / "ipv6:[::1]:5000" form.
std::string PeerIp(const std::string& peer) {
  std::string_view p = peer;
  if (p.starts_with("ipv4:")) {
    p.remove_prefix(5);
    return std::string(p.substr(0, p.rfind(':')));
  }
  if (p.starts_with("ipv6:[")) {
    p.remove_prefix(6);
    return std::string(p.substr(0, p.find(']')));
  }
  return std::string(p);
}

class KmsService final : public v1::KeyManagementService::Service {
 public:
  KmsService(const GrpcOptions& options, const ops::Dispatcher& dispatcher)
      : options_(options), dispatcher_(dispatcher) {}

#define TRENT_KMS_RPC(Name, Request, Response)                                             \
  grpc::Status Name(grpc::ServerContext* ctx, const v1::Request* request,                 \
                    v1::Response* response) override {                                    \
    return Serve(*ctx, #Name, *request, response);                                        \
  }
#include "server/grpc/kms_rpcs_generated.inc"
#undef TRENT_KMS_RPC

 private:
  grpc::Status Serve(const grpc::ServerContext& ctx, std::string_view operation,
                     const google::protobuf::Message& request, google::protobuf::Message* response) {
    const auto started = SteadyClock::now();
    ops::RequestMeta meta;
    meta.operation = operation;
    NewRequestId(meta.request_id);
    meta.source_ip = PeerIp(ctx.peer());
    meta.user_agent = Metadata(ctx, kUserAgentHeader);
    ops::Outcome outcome = Identify(ctx, meta);
    if (outcome.output.ok()) {
      // The request's members as the operation layer takes them, in memory wiped when freed.
      boost::json::object input(model::RequestStorage(request.ByteSizeLong() * 2 + 256));
      pbjson::ToJson(request, input, pbjson::Blobs::kRaw);
      outcome = dispatcher_.DispatchTyped(meta, std::move(input));
    }
    if (outcome.output.ok()) {
      Status encoded = pbjson::FromJson(*outcome.output, response);
      model::WipeOutput(*outcome.output);
      if (!encoded.ok()) {
        spdlog::error("request {}: {} answer does not fit its message: {}", meta.request_id,
                      operation, encoded.message());
        response->Clear();
        outcome.output = InternalError("The request was rejected because an internal exception "
                                       "occurred. The request can be retried. Request id: " +
                                       meta.request_id + ".");
      }
    }
    if (options_.records) {
      const auto latency =
          std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started);
      options_.records->Publish(ops::MakeRecord(meta, outcome, kFrontend,
                                                options_.clock->NowMillis(), latency.count()));
    }
    return ToGrpcStatus(outcome.output.status());
  }

  // Sets the caller and region in `meta` from the call's metadata; an error outcome when
  // --auth strict refuses the credentials.
  ops::Outcome Identify(const grpc::ServerContext& ctx, ops::RequestMeta& meta) const {
    const std::string_view region = Metadata(ctx, kRegionHeader);
    meta.region = region.empty() ? options_.default_region : std::string(region);
    meta.access_key_id = Metadata(ctx, kAccessKeyIdHeader);
    const auth::Identity* identity =
        options_.identities && !meta.access_key_id.empty()
            ? options_.identities->Find(meta.access_key_id)
            : nullptr;
    if (options_.verify_credentials) {
      if (meta.access_key_id.empty()) {
        return {Status(ErrorCode::kMissingAuthenticationToken,
                       std::string("Missing Authentication Token: send the metadata ") +
                           kAccessKeyIdHeader + " and " + kSecretAccessKeyHeader + ".")};
      }
      // The texts of AWS's answers to an unknown key and a wrong secret (SigV4 frontend).
      if (!identity) {
        return {Status(ErrorCode::kUnrecognizedClient,
                       "The security token included in the request is invalid.")};
      }
      if (Metadata(ctx, kSecretAccessKeyHeader) != identity->secret ||
          Metadata(ctx, kSessionTokenHeader) != identity->session_token) {
        return {Status(ErrorCode::kRequestSignature,
                       std::string("The credentials sent in ") + kSecretAccessKeyHeader + " and " +
                           kSessionTokenHeader + " do not match the access key's.")};
      }
    }
    if (identity) {
      meta.principal_arn = identity->arn;
      meta.account = identity->account;
      meta.identity_policies = identity->policies ? &*identity->policies : nullptr;
    }
    return {};
  }

  const GrpcOptions& options_;
  const ops::Dispatcher& dispatcher_;
};

// trent.v1.Admin: each method checks the peer, then is AdminService's.
class AdminRpcs final : public v1::Admin::Service {
 public:
  explicit AdminRpcs(const GrpcOptions& options) : options_(options), admin_(*options.admin) {}

  grpc::Status Health(grpc::ServerContext* ctx, const v1::HealthRequest* request,
                      v1::HealthResponse* response) override {
    return Answer(*ctx, [&] { return admin_.Health(*request); }, response);
  }
  grpc::Status Reset(grpc::ServerContext* ctx, const v1::ResetRequest* request,
                     v1::ResetResponse* response) override {
    return Answer(*ctx, [&] { return admin_.Reset(*request); }, response);
  }
  grpc::Status ApplySeed(grpc::ServerContext* ctx, const v1::ApplySeedRequest* request,
                         v1::ApplySeedResponse* response) override {
    grpc::Status answer = Answer(*ctx, [&] { return admin_.ApplySeed(*request); }, response);
    // The seed's text may hold key material: wiped in place, applied or refused. The request is
    // the message gRPC's handler made for this call and owns; only the pointer given is const.
    // (The bytes it was parsed from, in gRPC's own buffers, are freed without a wipe.)
    admin::WipeSeedText(*const_cast<v1::ApplySeedRequest*>(request));
    return answer;
  }
  grpc::Status ListKeyStates(grpc::ServerContext* ctx, const v1::ListKeyStatesRequest* request,
                             v1::ListKeyStatesResponse* response) override {
    return Answer(*ctx, [&] { return admin_.ListKeyStates(*request); }, response);
  }
  grpc::Status GetClock(grpc::ServerContext* ctx, const v1::GetClockRequest* request,
                        v1::ClockResponse* response) override {
    return Answer(*ctx, [&] { return admin_.GetClock(*request); }, response);
  }
  grpc::Status AdvanceClock(grpc::ServerContext* ctx, const v1::AdvanceClockRequest* request,
                            v1::ClockResponse* response) override {
    return Answer(*ctx, [&] { return admin_.AdvanceClock(*request); }, response);
  }

  // The recent records, then (with follow) each new one until the client ends the call or
  // trentd stops.
  grpc::Status StreamRecords(grpc::ServerContext* ctx, const v1::StreamRecordsRequest* request,
                             grpc::ServerWriter<v1::RequestRecord>* writer) override {
    if (Status allowed = Allowed(*ctx); !allowed.ok()) return ToGrpcStatus(allowed);
    auto stream = admin_.StreamRecords(*request);
    if (!stream.ok()) return ToGrpcStatus(stream.status());
    for (const v1::RequestRecord& record : stream->recent) {
      if (!writer->Write(record)) return grpc::Status::OK;
    }
    if (!stream->live) return grpc::Status::OK;
    v1::RequestRecord record;
    while (!ctx->IsCancelled() && !stream->live->closed()) {
      for (const records::RequestRecord& next : stream->live->Next(kFollowPoll)) {
        record.Clear();
        admin::ToProto(next, &record);
        if (!writer->Write(record)) return grpc::Status::OK;
      }
    }
    return grpc::Status::OK;
  }

 private:
  // How long a follower waits for records before it looks whether its call is still on.
  static constexpr auto kFollowPoll = std::chrono::milliseconds(250);

  Status Allowed(const grpc::ServerContext& ctx) const {
    const std::string peer = PeerIp(ctx.peer());
    if (admin::AdminAllowed(peer, options_.admin_allow_remote)) return Status::Ok();
    return admin::AdminRefused(peer);
  }

  // Runs `method` for an allowed peer and answers its result.
  template <typename Method, typename Response>
  grpc::Status Answer(const grpc::ServerContext& ctx, Method method, Response* response) const {
    if (Status allowed = Allowed(ctx); !allowed.ok()) return ToGrpcStatus(allowed);
    Result<Response> result = method();
    if (!result.ok()) return ToGrpcStatus(result.status());
    *response = std::move(result).value();
    return grpc::Status::OK;
  }

  const GrpcOptions& options_;
  admin::AdminService& admin_;
};

class Server final : public GrpcServer {
 public:
  Server(const GrpcOptions& options, const ops::Dispatcher& dispatcher)
      : options_(options), kms_(options_, dispatcher) {
    if (options_.admin) admin_.emplace(options_);
  }

  Status Start() {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(options_.address, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&kms_);
    if (admin_) builder.RegisterService(&*admin_);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      return InternalError("cannot serve gRPC on " + options_.address +
                           " (address in use or not a HOST:PORT)");
    }
    // "" is the server as a whole; each service answers by its own name too.
    grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
    health->SetServingStatus(v1::KeyManagementService::service_full_name(), true);
    if (admin_) health->SetServingStatus(v1::Admin::service_full_name(), true);
    health->SetServingStatus(true);
    return Status::Ok();
  }

  uint16_t port() const override { return static_cast<uint16_t>(port_); }

  void Shutdown() override {
    if (!server_) return;
    server_->GetHealthCheckService()->SetServingStatus(false);
    server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    server_->Wait();
    server_.reset();
  }

  ~Server() override { Shutdown(); }

 private:
  const GrpcOptions options_;
  KmsService kms_;
  std::optional<AdminRpcs> admin_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace

Result<std::unique_ptr<GrpcServer>> GrpcServer::Start(const GrpcOptions& options,
                                                      const ops::Dispatcher& dispatcher) {
  auto server = std::make_unique<Server>(options, dispatcher);
  TRY_STATUS(server->Start());
  return std::unique_ptr<GrpcServer>(std::move(server));
}

}  // namespace trent::grpcfront
