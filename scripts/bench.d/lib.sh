# shellcheck shell=bash disable=SC2034  # (its functions set variables for the scripts)
# What scripts/bench and scripts/bench-scale share: the environment every request carries,
# starting and stopping the servers, one wrk run and its checks, and number formatting.
# Sourced by them, not run. Progress goes to stderr; the scripts print markdown on stdout.
#
# Environment read here:
#   BENCH_TRENTD        trentd binary to measure (default: a Release build in build-bench/)
#   BENCH_GRPC_LOAD     the gRPC load client, for scripts/bench (default: trent-grpc-load beside
#                       BENCH_TRENTD, or the one built in build-bench/)
#   BENCH_TRENTD_FLAGS  extra trentd flags, split on spaces (e.g. "--key-cache-size 50000")
#   LOCALKMS_BIN        the local-kms peer (default /tmp/peer-localkms/bin/local-kms); "none"
#                       measures trentd alone
#   BENCH_NETNS         0 keeps the run in the shared network namespace (see isolate_network)
#   TMPDIR              where the run's data dirs live (mktemp)

bench_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_root=$(cd "$bench_lib/../.." && pwd)
localkms_bin=${LOCALKMS_BIN:-/tmp/peer-localkms/bin/local-kms}

# What every request carries (read by the Python helpers and the wrk scripts). Neither server
# checks signatures; the credential scope gives the region.
export BENCH_LUA_DIR="$bench_lib"
export BENCH_AMZ_DATE=20240101T000000Z
BENCH_AUTHORIZATION="AWS4-HMAC-SHA256 Credential=AKIDBENCHMARK/20240101/us-east-1/kms/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=$(printf '0%.0s' {1..64})"
export BENCH_AUTHORIZATION
BENCH_PLAINTEXT=$(printf '%s' 'thirty-two bytes of plaintext!!!' | base64)
export BENCH_PLAINTEXT
export BENCH_CONTEXT='{"purpose":"bench","tenant":"example"}'
# What Sign, Verify and GenerateMac work on.
BENCH_MESSAGE=$(printf '%s' 'a message of some sixty-four bytes, as a JWT header and claims' | base64 -w0)
export BENCH_MESSAGE

log() { echo "${bench_name:-bench}: $*" >&2; }
die() { echo "${bench_name:-bench}: FAILED: $*" >&2; exit 1; }

positive_integer() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

ensure_wrk() {
  command -v wrk >/dev/null && return
  log "wrk is missing; installing it with apt-get (scripts/deps --bench does the same)"
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq wrk >&2 ||
    die "could not install wrk (apt-get install wrk)"
}

# Runs the calling script again inside a private network namespace that has only loopback,
# so that nothing outside the run can reach the servers under test or disturb them: local-kms
# listens on every interface (it binds ":PORT" and has no setting for the host). Where the
# system refuses namespaces to this user, the run stays in the shared namespace; network_note
# says which. Call before anything that must survive the exec (traps, temporary files).
isolate_network() {
  if [[ ${BENCH_NETNS:-} == inside ]]; then
    network_note="a private network namespace with only loopback"
    return
  fi
  network_note="the shared network namespace (BENCH_NETNS=0 or no namespaces here); local-kms listens on all interfaces"
  [[ ${BENCH_NETNS:-} == 0 ]] && return
  local ip
  ip=$(PATH=$PATH:/usr/sbin:/sbin command -v ip) || { log "note: no 'ip' command (iproute2); not isolating the network"; return; }
  unshare --map-root-user --net true 2>/dev/null || { log "note: unshare refused a network namespace; not isolating the network"; return; }
  exec env BENCH_NETNS=inside unshare --map-root-user --net \
    bash -c '"$0" link set lo up && exec bash "$@"' "$ip" "$0" "$@"
}

# A scratch directory, and the list of processes to stop when the script ends however it ends.
make_workdir() {
  work=$(mktemp -d)
  pids=()
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# True while the process exists and is not a zombie waiting to be reaped.
alive() {
  [[ -r /proc/$1/stat ]] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null
}

# SIGTERM, then SIGKILL after 10 s; sets stop_status to the exit status. The pid leaves
# the list, so that cleanup never signals a reused pid.
stop_process() {
  local pid=$1 i kept=() other
  for other in "${pids[@]}"; do [[ $other == "$pid" ]] || kept+=("$other"); done
  pids=("${kept[@]}")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  stop_status=0
  wait "$pid" 2>/dev/null || stop_status=$?
}

cleanup() {
  while ((${#pids[@]})); do stop_process "${pids[0]}"; done
  rm -rf "$work"
}

# Sets trentd_bin: BENCH_TRENTD, or a Release build in build-bench/ (through ccache if present).
# With `grpc`, also grpc_load_bin (BENCH_GRPC_LOAD, or trent-grpc-load beside trentd).
find_trentd() {
  local want_grpc=${1:-} targets=(trentd)
  [[ $want_grpc == grpc ]] && targets+=(trent-grpc-load)
  if [[ -n ${BENCH_TRENTD:-} ]]; then
    [[ -x $BENCH_TRENTD ]] || die "BENCH_TRENTD=$BENCH_TRENTD is not an executable"
    trentd_bin=$BENCH_TRENTD
  else
    local build_dir="$bench_root/build-bench" launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    log "building ${targets[*]} (Release) in build-bench/"
    if ! { cmake -S "$bench_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
             -DTRENT_CHECK_RESPONSES=OFF "${launcher[@]}" &&
           cmake --build "$build_dir" --target "${targets[@]}" -j"$(nproc)"; } >"$work/build.log" 2>&1; then
      tail -n 40 "$work/build.log" >&2
      die "building ${targets[*]} failed (log above)"
    fi
    trentd_bin="$build_dir/trentd"
  fi
  [[ $want_grpc == grpc ]] || return 0
  grpc_load_bin=${BENCH_GRPC_LOAD:-$(dirname "$trentd_bin")/trent-grpc-load}
  [[ -x $grpc_load_bin ]] ||
    die "no gRPC load client at $grpc_load_bin (build the trent-grpc-load target, or set BENCH_GRPC_LOAD)"
}

# Sets trentd_flags. The benchmarks create far more keys than AWS's per-account quota allows,
# so they raise it where trentd enforces one.
choose_trentd_flags() {
  trentd_flags=(--log-level warn)
  # Read whole, not piped into grep -q: grep leaves at the first match, and with pipefail the
  # help's later writes (SIGPIPE) then failed the test now and then.
  local help
  help=$("$trentd_bin" --help 2>&1 || true)
  if [[ $help == *--key-quota* ]]; then
    trentd_flags+=(--key-quota 2000000)
  fi
  local extra=()
  read -ra extra <<<"${BENCH_TRENTD_FLAGS:-}"
  trentd_flags+=("${extra[@]}")
}

# Prefixes each line read with the time it arrived ($EPOCHREALTIME, seconds).
stamp_lines() {
  local line
  while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done
}

# Seconds from $1 to $2 (both $EPOCHREALTIME values).
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# Starts trentd on a free port with the data dir $1 (kept across restarts); sets addr
# (HOST:PORT), trentd_pid and trentd_start_seconds (process start to the readiness line).
# With $2 = grpc, trentd also serves gRPC on a free port (--grpc-listen), and grpc_addr is set.
start_trentd() {
  local data_dir=$1 want_grpc=${2:-} out="$work/trentd.out" started line='' grpc_line='' i
  local grpc_flags=()
  [[ $want_grpc == grpc ]] && grpc_flags=(--grpc-listen 127.0.0.1:0)
  : >"$out"
  started=$EPOCHREALTIME
  "$trentd_bin" --listen 127.0.0.1:0 "${grpc_flags[@]}" --data-dir "$data_dir" "${trentd_flags[@]}" \
    > >(stamp_lines >"$out") 2>>"$work/trentd.err" &
  trentd_pid=$!
  pids+=("$trentd_pid")
  for ((i = 0; i < 30000; i++)); do  # 300 s: a start over a million keys may be slow
    line=$(grep -m1 '^[0-9.]* trentd listening on ' "$out" || true)
    [[ $want_grpc == grpc ]] && grpc_line=$(grep -m1 '^[0-9.]* trentd gRPC listening on ' "$out" || true)
    [[ -n $line && ( $want_grpc != grpc || -n $grpc_line ) ]] && break
    alive "$trentd_pid" || { tail -n 20 "$work/trentd.err" >&2; die "trentd exited before it was ready"; }
    sleep 0.01
  done
  [[ -n $line && ( $want_grpc != grpc || -n $grpc_line ) ]] ||
    die "trentd did not print its readiness lines within 300 s"
  trentd_start_seconds=$(elapsed "$started" "${line%% *}")
  addr=${line##* }
  grpc_addr=${grpc_line##* }
}

# Starts local-kms on a free loopback port with a fresh data dir; sets addr and localkms_pid.
start_localkms() {
  local port i
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  PORT=$port KMS_REGION=us-east-1 KMS_ACCOUNT_ID=111122223333 KMS_DATA_PATH="$work/localkms-data" \
    KMS_SEED_PATH="$work/no-seed.yaml" "$localkms_bin" >"$work/localkms.log" 2>&1 &
  localkms_pid=$!
  pids+=("$localkms_pid")
  for ((i = 0; i < 600; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    alive "$localkms_pid" || { tail -n 20 "$work/localkms.log" >&2; die "local-kms exited before it was ready"; }
    sleep 0.1
  done
  alive "$localkms_pid" && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null ||
    die "local-kms did not accept connections within 60 s"
  addr=127.0.0.1:$port
}

# Fails with how to build local-kms when LOCALKMS_BIN does not name it; sets have_localkms.
find_localkms() {
  have_localkms=1
  if [[ $localkms_bin == none ]]; then
    have_localkms=0
    return
  fi
  [[ -x $localkms_bin ]] && return
  local build="shared/peers/localkms-build.sh, beside the repository,"
  [[ -f $bench_root/../shared/peers/localkms-build.sh ]] &&
    build=$(cd "$bench_root/../shared/peers" && pwd)/localkms-build.sh
  die "no local-kms at $localkms_bin, the reference peer. Build it (Debian's Go packages, offline) with
  LOCALKMS_GIT=<git dir of github.com/nsmithuk/local-kms> $build
which puts it in /tmp/peer-localkms/bin/local-kms; or set LOCALKMS_BIN to it, or LOCALKMS_BIN=none to measure trentd alone."
}

# Starts wrk in the background: label, Lua script (in bench.d/), threads, connections,
# seconds. Sets wrk_pid; the output goes to $work/wrk-<label>.txt.
start_wrk() {
  local label=$1 script=$2 threads=$3 connections=$4 seconds=$5
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency -s "$bench_lib/$script" "http://$addr/" \
    >"$work/wrk-$label.txt" 2>&1 &
  wrk_pid=$!
  pids+=("$wrk_pid")
}

# Waits for the wrk started as <label> (pid $2) and checks it; sets result_rps, result_p50_us,
# result_p99_us, result_requests. Any error response or socket error fails the whole run.
finish_wrk() {
  local label=$1 pid=$2 out="$work/wrk-$1.txt" status=0 kept=() other
  wait "$pid" || status=$?
  for other in "${pids[@]}"; do [[ $other == "$pid" ]] || kept+=("$other"); done
  pids=("${kept[@]}")
  [[ $status == 0 ]] || { cat "$out" >&2; die "wrk failed on $label (status $status)"; }
  read_result "$label" "$out"
}

# Reads the BENCH_RESULT line of a load client's output (label, file): the wrk scripts
# (common.lua) and trent-grpc-load print the same form. Sets the result_* variables.
read_result() {
  local label=$1 out=$2 result kv
  result=$(grep -m1 '^BENCH_RESULT ' "$out") || { cat "$out" >&2; die "no result from the load client on $label"; }
  for kv in ${result#BENCH_RESULT }; do
    case $kv in
      rps=*) result_rps=${kv#*=} ;;
      p50_us=*) result_p50_us=${kv#*=} ;;
      p99_us=*) result_p99_us=${kv#*=} ;;
      requests=*) result_requests=${kv#*=}
                  [[ $result_requests -gt 0 ]] || die "$label: no request completed" ;;
      error_responses=*) [[ ${kv#*=} == 0 ]] ||
        { cat "$out" >&2; die "$label: ${kv#*=} error responses"; } ;;
      socket_errors=*) [[ ${kv#*=} == 0 ]] ||
        { cat "$out" >&2; die "$label: ${kv#*=} socket errors (connect, read, write or 2 s timeout)"; } ;;
    esac
  done
}

run_wrk() {
  start_wrk "$@"
  finish_wrk "$1" "$wrk_pid"
}

# Encrypt of BENCH_PLAINTEXT's size under BENCH_CONTEXT over gRPC at $grpc_addr with
# trent-grpc-load: label, channels (one connection each, one call in flight), seconds. Sets the
# result_* variables as run_wrk does.
run_grpc_load() {
  local label=$1 channels=$2 seconds=$3 out="$work/grpc-load-$1.txt" size
  size=$(printf '%s' "$BENCH_PLAINTEXT" | base64 -d | wc -c)
  "$grpc_load_bin" --server "$grpc_addr" --key-id "$BENCH_KEY_ID" --channels "$channels" \
    --concurrency 1 --seconds "$seconds" --plaintext-size "$size" \
    --encryption-context "$BENCH_CONTEXT" >"$out" 2>&1 ||
    { cat "$out" >&2; die "trent-grpc-load failed on $label"; }
  read_result "$label" "$out"
}

ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }
per_second() { awk -v r="$1" 'BEGIN { printf "%.0f", r }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

warn_if_busy() {
  local busy
  busy=$(ps -eo comm= | grep -cE '^(cc1|cc1plus|ld|c\+\+|g\+\+|clang|clang\+\+|go|compile)$' || true)
  [[ $busy == 0 ]] || log "note: $busy compiler/linker processes are running; the numbers will be noisy"
}

# The markdown lines that say what was measured, where.
describe_run() {
  local cpu
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  [[ -n $cpu ]] || cpu=$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')
  echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}; network: $network_note"
  # On tmpfs an fsync costs nothing, which flatters every write.
  echo "- data dirs: in $(dirname "$work") ($(stat -f -c %T "$work") file system; TMPDIR chooses)"
  if [[ -n ${BENCH_TRENTD:-} ]]; then
    echo "- trentd: $trentd_bin (BENCH_TRENTD) ${trentd_flags[*]}"
  else
    echo "- trentd: $(git -C "$bench_root" describe --always --dirty --tags 2>/dev/null || echo unknown), Release build, ${trentd_flags[*]}"
  fi
}
