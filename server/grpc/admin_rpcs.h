// trent.v1.Admin over gRPC: each RPC checks the peer (admin::AdminAllowed) and calls the
// protocol-neutral admin::AdminService, whose errors become gRPC statuses as the KMS errors do.
#pragma once

#include "server/admin/admin_service.h"
#include "trent/v1/admin.grpc.pb.h"

namespace trent::grpcfront {

class AdminRpcs final : public v1::Admin::Service {
 public:
  AdminRpcs(admin::AdminService& service, bool allow_remote)
      : service_(service), allow_remote_(allow_remote) {}

  grpc::Status Health(grpc::ServerContext* ctx, const v1::HealthRequest* request,
                      v1::HealthResponse* response) override;
  grpc::Status Reset(grpc::ServerContext* ctx, const v1::ResetRequest* request,
                     v1::ResetResponse* response) override;
  grpc::Status ListKeyStates(grpc::ServerContext* ctx, const v1::ListKeyStatesRequest* request,
                             v1::ListKeyStatesResponse* response) override;
  grpc::Status GetClock(grpc::ServerContext* ctx, const v1::GetClockRequest* request,
                        v1::ClockResponse* response) override;
  grpc::Status AdvanceClock(grpc::ServerContext* ctx, const v1::AdvanceClockRequest* request,
                            v1::ClockResponse* response) override;
  grpc::Status StreamRecords(grpc::ServerContext* ctx, const v1::StreamRecordsRequest* request,
                             grpc::ServerWriter<v1::RequestRecord>* writer) override;

 private:
  Status Allowed(const grpc::ServerContext& ctx) const;

  admin::AdminService& service_;
  const bool allow_remote_;
};

}  // namespace trent::grpcfront
