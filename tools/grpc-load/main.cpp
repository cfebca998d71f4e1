// trent-grpc-load: a small load client for trentd's gRPC frontend (scripts/bench; ghz is not in
// Debian). CHANNELS channels, each its own TCP connection, with CONCURRENCY calls in flight on
// each (one thread per call in flight), call Encrypt with a random plaintext for SECONDS; then
// one line for scripts/bench.d/lib.sh in the form of the wrk scripts' (common.lua):
//   BENCH_RESULT rps=... p50_us=... p99_us=... requests=... error_responses=... socket_errors=...
// error_responses counts calls the server answered with an error, socket_errors calls that got
// no answer (UNAVAILABLE or past the deadline).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <grpcpp/grpcpp.h>
#include <openssl/rand.h>

#include "trent/v1/kms.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kCallDeadline = std::chrono::seconds(2);  // as wrk's default timeout

struct Worker {
  std::vector<int64_t> latencies_us;  // of the successful calls
  uint64_t error_responses = 0;
  uint64_t socket_errors = 0;
};

void Run(trent::v1::KeyManagementService::Stub* stub, const trent::v1::EncryptRequest& request,
         Clock::time_point end, Worker* worker) {
  trent::v1::EncryptResponse response;
  while (Clock::now() < end) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    const Clock::time_point start = Clock::now();
    const grpc::Status status = stub->Encrypt(&context, request, &response);
    const Clock::time_point stop = Clock::now();
    if (status.ok()) {
      worker->latencies_us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(stop - start).count());
    } else if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
               status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      ++worker->socket_errors;
    } else {
      if (worker->error_responses++ == 0) {
        std::fprintf(stderr, "trent-grpc-load: Encrypt failed: %s\n",
                     status.error_message().c_str());
      }
    }
  }
}

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"trent-grpc-load: Encrypt over gRPC against trentd --grpc-listen, for scripts/bench"};
  std::string server;
  std::string key_id;
  int channels = 8;
  int concurrency = 1;
  int seconds = 10;
  int plaintext_size = 4096;
  std::string context = "{}";
  app.add_option("--server", server, "trentd's gRPC address, HOST:PORT")->required();
  app.add_option("--key-id", key_id, "the symmetric key to encrypt under")->required();
  app.add_option("--channels", channels, "channels (TCP connections)")
      ->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--concurrency", concurrency, "calls in flight on each channel")
      ->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--seconds", seconds, "how long to run")
      ->capture_default_str()->check(CLI::Range(1, 86400));
  app.add_option("--plaintext-size", plaintext_size, "plaintext bytes (1 to 4096)")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--encryption-context", context,
                 "the EncryptionContext as AWS JSON, e.g. '{\"purpose\":\"bench\"}'")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // 2: usage error, as trentctl
  }

  trent::v1::EncryptRequest request;
  request.set_key_id(key_id);
  std::string plaintext(static_cast<size_t>(plaintext_size), '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(plaintext.data()), plaintext_size);
  request.set_plaintext(plaintext);
  boost::system::error_code ec;
  const boost::json::value pairs = boost::json::parse(context, ec);
  if (ec || !pairs.is_object()) {
    std::fprintf(stderr, "trent-grpc-load: --encryption-context: expected a JSON object\n");
    return 2;
  }
  for (const auto& pair : pairs.as_object()) {
    if (!pair.value().is_string()) {
      std::fprintf(stderr, "trent-grpc-load: --encryption-context: values must be strings\n");
      return 2;
    }
    (*request.mutable_encryption_context())[std::string(pair.key())] =
        std::string(pair.value().as_string());
  }

  std::vector<std::unique_ptr<trent::v1::KeyManagementService::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
    auto channel = grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(), args);
    if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
      std::fprintf(stderr, "trent-grpc-load: cannot connect to %s\n", server.c_str());
      return 1;
    }
    stubs.push_back(trent::v1::KeyManagementService::NewStub(channel));
  }

  std::vector<Worker> workers(static_cast<size_t>(channels * concurrency));
  std::vector<std::thread> threads;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::seconds(seconds);
  for (size_t i = 0; i < workers.size(); ++i) {
    threads.emplace_back(Run, stubs[i % stubs.size()].get(), std::cref(request), end, &workers[i]);
  }
  for (auto& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<int64_t> latencies;
  uint64_t error_responses = 0;
  uint64_t socket_errors = 0;
  for (const Worker& w : workers) {
    latencies.insert(latencies.end(), w.latencies_us.begin(), w.latencies_us.end());
    error_responses += w.error_responses;
    socket_errors += w.socket_errors;
  }
  std::sort(latencies.begin(), latencies.end());
  const uint64_t requests = latencies.size() + error_responses;
  std::printf("BENCH_RESULT rps=%.1f p50_us=%lld p99_us=%lld requests=%llu error_responses=%llu "
              "socket_errors=%llu\n",
              static_cast<double>(requests) / elapsed,
              static_cast<long long>(Percentile(latencies, 50)),
              static_cast<long long>(Percentile(latencies, 99)),
              static_cast<unsigned long long>(requests),
              static_cast<unsigned long long>(error_responses),
              static_cast<unsigned long long>(socket_errors));
  return 0;
}
