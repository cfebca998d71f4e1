// GET /metrics: trent's metrics in the Prometheus text format, kept with prometheus-cpp (core):
// requests, errors and latency per operation (from each request's record), keys per state and
// spec, HSM sessions, material-cache hits and misses (read at each scrape), and the number of
// changes per group commit.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/thread_annotations.h"
#include "server/kms/key_store.h"
#include "server/records/record.h"

namespace trent::metrics {

class Metrics final : public records::RecordObserver {
 public:
  // Starts observing `keys`' commits; `keys` must outlive this.
  explicit Metrics(kms::KeyStore& keys);

  // Counts the request (on the thread that served it: a few atomic adds).
  void Observe(const records::RequestRecord& record) override;

  // Every metric, in the Prometheus text exposition format (version 0.0.4).
  std::string Scrape() EXCLUDES(scrape_mu_);

 private:
  struct PerOperation {
    prometheus::Counter* http = nullptr;
    prometheus::Counter* grpc = nullptr;
    prometheus::Histogram* latency = nullptr;
  };
  PerOperation& For(const std::string& operation);

  kms::KeyStore& keys_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Gauge>& keys_by_state_;
  prometheus::Gauge& hsm_sessions_;
  prometheus::Counter& hsm_recycles_;
  prometheus::Counter& cache_hits_;
  prometheus::Counter& cache_misses_;
  prometheus::Histogram& commit_changes_;
  // One entry per operation of the service model, made at start and only read after, so that
  // counting a request takes no lock; requests naming no model operation share `other_`.
  std::unordered_map<std::string, PerOperation> operations_;
  PerOperation other_;
  // Scrape state (scrapes are serialized by scrape_mu_).
  Mutex scrape_mu_;
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> seen_key_labels_
      GUARDED_BY(scrape_mu_);
  kms::MaterialCache::Stats reported_cache_ GUARDED_BY(scrape_mu_);
  uint64_t reported_recycles_ GUARDED_BY(scrape_mu_) = 0;
};

}  // namespace trent::metrics
