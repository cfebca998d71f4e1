#include "server/metrics/metrics.h"

#include <map>
#include <utility>

#include <prometheus/text_serializer.h>

#include "server/model/service_model.h"

namespace trent::metrics {
namespace {

// Request latency buckets, in seconds: from the 100 µs of an Encrypt to the seconds of a key
// pair generation under load.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
// Changes per group commit.
const prometheus::Histogram::BucketBoundaries kCommitBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256};

constexpr char kOtherOperation[] = "other";

}  // namespace

Metrics::Metrics(kms::KeyStore& keys)
    : keys_(keys),
      registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("trent_requests_total")
                    .Help("KMS requests answered, by operation and frontend (http, grpc)")
                    .Register(*registry_)),
      errors_(prometheus::BuildCounter()
                  .Name("trent_request_errors_total")
                  .Help("KMS requests answered with an AWS error, by operation and error type")
                  .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("trent_request_duration_seconds")
                   .Help("Time from a request read whole to its answer ready, by operation")
                   .Register(*registry_)),
      keys_by_state_(prometheus::BuildGauge()
                         .Name("trent_keys")
                         .Help("KMS keys, by key state and key spec")
                         .Register(*registry_)),
      hsm_sessions_(prometheus::BuildGauge()
                        .Name("trent_hsm_sessions")
                        .Help("Sessions open with the PKCS#11 module")
                        .Register(*registry_)
                        .Add({})),
      hsm_recycles_(prometheus::BuildCounter()
                        .Name("trent_hsm_recycles_total")
                        .Help("Times the PKCS#11 module was finalised and initialised again to "
                              "free what it keeps of destroyed objects (requests wait meanwhile)")
                        .Register(*registry_)
                        .Add({})),
      cache_hits_(prometheus::BuildCounter()
                      .Name("trent_key_cache_hits_total")
                      .Help("Uses of a key version whose material was already unwrapped in the HSM")
                      .Register(*registry_)
                      .Add({})),
      cache_misses_(prometheus::BuildCounter()
                        .Name("trent_key_cache_misses_total")
                        .Help("Uses of a key version that unwrapped its material in the HSM")
                        .Register(*registry_)
                        .Add({})),
      commit_changes_(prometheus::BuildHistogram()
                          .Name("trent_commit_batch_changes")
                          .Help("Changes written by each group commit of the key store")
                          .Register(*registry_)
                          .Add({}, kCommitBuckets)) {
  auto make = [this](const std::string& operation) {
    PerOperation m;
    m.http = &requests_.Add({{"operation", operation}, {"frontend", "http"}});
    m.grpc = &requests_.Add({{"operation", operation}, {"frontend", "grpc"}});
    m.latency = &latency_.Add({{"operation", operation}}, kLatencyBuckets);
    return m;
  };
  for (const model::Operation& op : model::Operations()) operations_.emplace(op.name, make(op.name));
  other_ = make(kOtherOperation);
  keys_.SetCommitObserver([this](size_t changes) {
    commit_changes_.Observe(static_cast<double>(changes));
  });
}

Metrics::PerOperation& Metrics::For(const std::string& operation) {
  auto it = operations_.find(operation);
  return it == operations_.end() ? other_ : it->second;
}

void Metrics::Observe(const records::RequestRecord& record) {
  PerOperation& m = For(record.operation);
  (record.frontend == "grpc" ? m.grpc : m.http)->Increment();
  m.latency->Observe(static_cast<double>(record.latency_us) / 1e6);
  if (!record.error_code.empty()) {
    const bool known = operations_.contains(record.operation);
    // Family::Add finds the series when it exists; errors are the rarer path.
    errors_.Add({{"operation", known ? record.operation : kOtherOperation},
                 {"error", record.error_code}})
        .Increment();
  }
}

std::string Metrics::Scrape() {
  MutexLock lock(scrape_mu_);
  // Keys: every (state, spec) seen so far stays, at 0 once no key has it.
  std::map<std::pair<std::string, std::string>, int64_t> counts;
  for (const kms::KeyPtr& key : keys_.ListIn({})) {
    ++counts[{kms::KeyStateName(key->state), key->key_spec}];
  }
  for (auto& [labels, gauge] : seen_key_labels_) gauge->Set(0);
  for (const auto& [labels, count] : counts) {
    auto [it, added] = seen_key_labels_.try_emplace(labels, nullptr);
    if (added) {
      it->second = &keys_by_state_.Add({{"state", labels.first}, {"spec", labels.second}});
    }
    it->second->Set(static_cast<double>(count));
  }
  hsm_sessions_.Set(static_cast<double>(keys_.hsm().OpenSessions()));
  const uint64_t recycles = keys_.hsm().Recycles();
  hsm_recycles_.Increment(static_cast<double>(recycles - reported_recycles_));
  reported_recycles_ = recycles;
  const kms::MaterialCache::Stats cache = keys_.cache_stats();
  cache_hits_.Increment(static_cast<double>(cache.hits - reported_cache_.hits));
  cache_misses_.Increment(static_cast<double>(cache.misses - reported_cache_.misses));
  reported_cache_ = cache;
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace trent::metrics
