#include "server/grpc/admin_rpcs.h"

#include <chrono>

#include "server/admin/access.h"
#include "server/admin/to_proto.h"
#include "server/grpc/errors.h"
#include "server/grpc/peer.h"

namespace trent::grpcfront {
namespace {

// How often a following StreamRecords looks whether its caller went away.
constexpr auto kFollowPoll = std::chrono::milliseconds(200);

// Runs `method` when the peer may call the admin API, and answers its result.
template <typename Response, typename Method>
grpc::Status Answer(const Status& allowed, Response* response, Method method) {
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  auto result = method();
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

Status AdminRpcs::Allowed(const grpc::ServerContext& ctx) const {
  const std::string ip = PeerIp(ctx.peer());
  return admin::AdminAllowed(ip, allow_remote_) ? Status::Ok() : admin::AdminRefused(ip);
}

grpc::Status AdminRpcs::Health(grpc::ServerContext* ctx, const v1::HealthRequest* request,
                               v1::HealthResponse* response) {
  return Answer(Allowed(*ctx), response, [&] { return service_.Health(*request); });
}

grpc::Status AdminRpcs::Reset(grpc::ServerContext* ctx, const v1::ResetRequest* request,
                              v1::ResetResponse* response) {
  return Answer(Allowed(*ctx), response, [&] { return service_.Reset(*request); });
}

grpc::Status AdminRpcs::ListKeyStates(grpc::ServerContext* ctx,
                                      const v1::ListKeyStatesRequest* request,
                                      v1::ListKeyStatesResponse* response) {
  return Answer(Allowed(*ctx), response, [&] { return service_.ListKeyStates(*request); });
}

grpc::Status AdminRpcs::GetClock(grpc::ServerContext* ctx, const v1::GetClockRequest* request,
                                 v1::ClockResponse* response) {
  return Answer(Allowed(*ctx), response, [&] { return service_.GetClock(*request); });
}

grpc::Status AdminRpcs::AdvanceClock(grpc::ServerContext* ctx,
                                     const v1::AdvanceClockRequest* request,
                                     v1::ClockResponse* response) {
  return Answer(Allowed(*ctx), response, [&] { return service_.AdvanceClock(*request); });
}

grpc::Status AdminRpcs::StreamRecords(grpc::ServerContext* ctx,
                                      const v1::StreamRecordsRequest* request,
                                      grpc::ServerWriter<v1::RequestRecord>* writer) {
  if (Status allowed = Allowed(*ctx); !allowed.ok()) return ToGrpcStatus(allowed);
  Result<admin::RecordStream> stream = service_.StreamRecords(*request);
  if (!stream.ok()) return ToGrpcStatus(stream.status());
  for (const v1::RequestRecord& record : stream->recent) {
    if (!writer->Write(record)) return grpc::Status::OK;  // the caller went away
  }
  if (!stream->live) return grpc::Status::OK;
  v1::RequestRecord message;
  while (!ctx->IsCancelled() && !stream->live->closed()) {
    for (const records::RequestRecord& record : stream->live->Next(kFollowPoll)) {
      message.Clear();
      admin::ToProto(record, &message);
      if (!writer->Write(message)) return grpc::Status::OK;
    }
  }
  return grpc::Status::OK;
}

}  // namespace trent::grpcfront
