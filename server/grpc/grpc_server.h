// The gRPC frontend: trent.v1.KeyManagementService (proto/trent/v1/kms.proto) through the same
// operation layer as the AWS JSON frontend, trent.v1.Admin (proto/trent/v1/admin.proto) through
// the same AdminService as /_trent/v1/ over HTTP, plus grpc.health.v1.Health and server
// reflection.
// server/grpc/*.cpp are the only files that include grpcpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "server/admin/admin_service.h"
#include "server/auth/identity_store.h"
#include "server/grpc/metadata.h"
#include "server/ops/dispatcher.h"
#include "server/records/record.h"

namespace trent::grpcfront {

struct GrpcOptions {
  std::string address;  // HOST:PORT; port 0 picks a free one
  std::string default_region = "us-east-1";
  const auth::IdentityStore* identities = nullptr;  // null: every caller is the default root
  bool verify_credentials = false;                  // --auth strict
  const Clock* clock = nullptr;                     // record times
  records::RecordSink* records = nullptr;           // null: records go nowhere
  // The admin API (trent.v1.Admin); null: not served. Loopback peers only, unless
  // admin_allow_remote (admin::AdminAllowed, as over HTTP).
  admin::AdminService* admin = nullptr;
  bool admin_allow_remote = false;
};

class GrpcServer {
 public:
  // Builds, binds and starts serving on gRPC's own threads; an error when the address cannot be
  // bound.
  static Result<std::unique_ptr<GrpcServer>> Start(const GrpcOptions& options,
                                                   const ops::Dispatcher& dispatcher);
  virtual ~GrpcServer() = default;
  virtual uint16_t port() const = 0;
  // Stops accepting calls, lets those in flight finish (up to a few seconds), then returns.
  virtual void Shutdown() = 0;
};

}  // namespace trent::grpcfront
