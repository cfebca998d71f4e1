-- Shared by the wrk scripts of scripts/bench and scripts/bench-scale: AWS JSON 1.1 POSTs,
-- and one summary line with exact numbers for the shell scripts to parse.

function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error("scripts/bench: environment variable " .. name .. " is not set")
  end
  return value
end

function kms_headers(operation)
  return {
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["X-Amz-Target"] = "TrentService." .. operation,
    ["X-Amz-Date"] = env("BENCH_AMZ_DATE"),
    ["Authorization"] = env("BENCH_AUTHORIZATION"),
  }
end

-- One static request, formatted once per thread by wrk.
function kms_request(operation, body)
  wrk.method = "POST"
  wrk.path = "/"
  for name, value in pairs(kms_headers(operation)) do wrk.headers[name] = value end
  wrk.body = body
end

-- For scripts that vary the request: the complete request text.
function kms_format(headers, body)
  return wrk.format("POST", "/", headers, body)
end

-- Scripts that need to tell their threads apart read thread_index (0, 1, ...) in init().
local threads_made = 0
function setup(thread)
  thread:set("thread_index", threads_made)
  threads_made = threads_made + 1
end

-- Latencies are in microseconds; the rate is computed as wrk's Requests/sec. Error
-- responses are those with an HTTP status of 400 or more.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT rps=%.1f p50_us=%d p99_us=%d requests=%d error_responses=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50.0), latency:percentile(99.0), summary.requests,
    e.status, e.connect + e.read + e.write + e.timeout))
end
