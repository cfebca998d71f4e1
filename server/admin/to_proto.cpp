#include "server/admin/to_proto.h"

#include <google/protobuf/timestamp.pb.h>

#include "common/bytes.h"
#include "common/clock.h"
#include "server/audit/cloudtrail.h"
#include "server/kms/last_usage.h"

namespace trent::admin {
namespace {

constexpr int32_t kNanosPerMilli = 1'000'000;

void ToProto(const kms::KeyVersion& version, v1::KeyVersionState* out) {
  out->set_version_id(HexEncode(version.id.data(), version.id.size()));
  out->set_key_material_id(version.key_material_id.Hex());
  SetTimestamp(version.created_at_ms, out->mutable_creation_date());
  out->set_rotation_type(kms::RotationTypeName(version.rotation_type));
  out->set_public_key(version.public_key.data(), version.public_key.size());
}

void ToProto(const policy::Grant& grant, v1::GrantState* out) {
  out->set_grant_id(grant.grant_id);
  out->set_name(grant.name);
  out->set_grantee_principal(grant.grantee_principal);
  out->set_retiring_principal(grant.retiring_principal);
  out->set_issuing_account(grant.issuing_account);
  for (const std::string& operation : grant.operations) out->add_operations(operation);
  if (grant.context_equals) {
    for (const auto& [k, v] : *grant.context_equals) (*out->mutable_encryption_context_equals())[k] = v;
  }
  if (grant.context_subset) {
    for (const auto& [k, v] : *grant.context_subset) (*out->mutable_encryption_context_subset())[k] = v;
  }
  SetTimestamp(grant.created_at_ms, out->mutable_creation_date());
}

}  // namespace

void SetTimestamp(int64_t ms, google::protobuf::Timestamp* out) {
  // Floor division: a time before the epoch still has nanos in [0, 1e9).
  int64_t seconds = ms / kMillisPerSecond;
  int64_t rest = ms % kMillisPerSecond;
  if (rest < 0) {
    --seconds;
    rest += kMillisPerSecond;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest) * kNanosPerMilli);
}

void ToProto(const records::RequestRecord& record, v1::RequestRecord* out) {
  SetTimestamp(record.time_ms, out->mutable_time());
  out->set_request_id(record.request_id);
  out->set_frontend(record.frontend);
  out->set_operation(record.operation);
  out->set_account(record.account);
  out->set_principal_arn(record.principal_arn);
  out->set_access_key_id(record.access_key_id);
  out->set_region(record.region);
  out->set_source_ip(record.source_ip);
  for (const std::string& arn : record.key_arns) out->add_key_arns(arn);
  out->set_error_code(record.error_code);
  out->set_error_message(record.error_message);
  out->set_latency_us(record.latency_us);
  out->set_audit_event(audit::CloudTrailEvent(record));
}

void ToProto(const kms::Key& key, const std::vector<kms::AliasPtr>& aliases,
             std::optional<int64_t> on_demand_start, v1::KeyState* out) {
  out->set_key_id(key.id);
  out->set_arn(key.arn());
  out->set_account(key.account);
  out->set_region(key.region);
  out->set_state(kms::KeyStateName(key.state));
  out->set_key_spec(key.key_spec);
  out->set_key_usage(key.key_usage);
  out->set_origin(key.origin);
  out->set_key_manager(key.key_manager);
  out->set_multi_region(key.multi_region);
  out->set_description(key.description);
  SetTimestamp(key.created_at_ms, out->mutable_creation_date());
  if (key.deletion_date_ms) SetTimestamp(*key.deletion_date_ms, out->mutable_deletion_date());
  if (key.pending_window_days) out->set_pending_window_days(*key.pending_window_days);
  if (key.rotation_period_days) out->set_rotation_period_days(*key.rotation_period_days);
  if (key.next_rotation_ms) SetTimestamp(*key.next_rotation_ms, out->mutable_next_rotation_date());
  if (on_demand_start) {
    SetTimestamp(*on_demand_start, out->mutable_on_demand_rotation_start_date());
  }
  for (const auto& version : key.versions) ToProto(*version, out->add_versions());
  for (const kms::Tag& tag : key.tags) {
    v1::KeyTag* t = out->add_tags();
    t->set_key(tag.key);
    t->set_value(tag.value);
  }
  for (const kms::AliasPtr& alias : aliases) {
    v1::AliasState* a = out->add_aliases();
    a->set_name(alias->name);
    a->set_arn(alias->arn);
    SetTimestamp(alias->created_at_ms, a->mutable_creation_date());
    SetTimestamp(alias->updated_at_ms, a->mutable_last_updated_date());
  }
  out->set_policy(key.policy->text);
  for (const kms::GrantPtr& grant : key.grants) ToProto(*grant, out->add_grants());
  if (key.last_usage) {
    if (std::optional<kms::Usage> usage = key.last_usage->Read()) {
      v1::KeyUsageState* u = out->mutable_last_usage();
      u->set_operation(kms::UsageOperationName(usage->operation));
      SetTimestamp(usage->at_ms, u->mutable_time());
      u->set_request_id(usage->request_id);
    }
  }
}

}  // namespace trent::admin
