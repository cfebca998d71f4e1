// trent's in-memory state as the admin API's messages (proto/trent/v1/admin.proto).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "server/kms/alias.h"
#include "server/kms/key.h"
#include "server/records/record.h"
#include "trent/v1/admin.pb.h"

namespace trent::admin {

// `ms` since the Unix epoch.
void SetTimestamp(int64_t ms, google::protobuf::Timestamp* out);

void ToProto(const records::RequestRecord& record, v1::RequestRecord* out);

// Everything about `key` but its key material: `aliases` are the key's, `on_demand_start` the
// start of an on-demand rotation in progress (KeyStore::OnDemandRotationStart).
void ToProto(const kms::Key& key, const std::vector<kms::AliasPtr>& aliases,
             std::optional<int64_t> on_demand_start, v1::KeyState* out);

}  // namespace trent::admin
