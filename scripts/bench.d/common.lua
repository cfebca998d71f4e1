-- Shared by the per-operation wrk scripts of scripts/bench: a single static
-- AWS JSON 1.1 POST (wrk formats it once per thread), and one summary line
-- with exact numbers for scripts/bench to parse.

function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error("scripts/bench: environment variable " .. name .. " is not set")
  end
  return value
end

function kms_request(operation, body)
  wrk.method = "POST"
  wrk.path = "/"
  wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
  wrk.headers["X-Amz-Target"] = "TrentService." .. operation
  wrk.headers["X-Amz-Date"] = env("BENCH_AMZ_DATE")
  wrk.headers["Authorization"] = env("BENCH_AUTHORIZATION")
  wrk.body = body
end

-- Latencies are in microseconds; the rate is computed as wrk's Requests/sec.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT rps=%.1f p50_us=%d p99_us=%d requests=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50.0), latency:percentile(99.0), summary.requests,
    e.connect + e.read + e.write + e.timeout))
end
