#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS, starting from a copy of its seed corpus so the repository
# is never written. WORK_DIR (emptied first) receives the grown corpus (WORK_DIR/corpus) and any
# crashing input (WORK_DIR/crash-*, leak-*, timeout-*, oom-*). Exits non-zero on any finding.
#   tests/fuzz/run.sh FUZZER SEED_CORPUS_DIR SECONDS WORK_DIR
set -euo pipefail

[ "$#" = 4 ] || { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
fuzzer="$1" seeds="$2" seconds="$3" work="$4"

rm -rf "$work"
mkdir -p "$work/corpus"
if [ -d "$seeds" ]; then
  cp -R "$seeds/." "$work/corpus/"
fi

# -timeout: one input taking this long is a finding; -rss_limit_mb: so is this much memory.
# -print_final_stats: the execution count (stat::number_of_executed_units) for the record.
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 || status=$?
if [ "$status" = 0 ]; then
  tail -n 8 "$work/log"  # the final stats
  exit 0
fi
# The report (from its first line: an invariant, a sanitizer, libFuzzer itself), then the input.
awk '/invariant does not hold|runtime error:|==[0-9]+== ?ERROR/ { found = 1 } found' "$work/log" | head -n 200
echo "run.sh: $(basename "$fuzzer") failed (exit $status); full log: $work/log" >&2
for artifact in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
  [ -e "$artifact" ] || continue
  echo "run.sh: input $artifact, base64: $(base64 -w0 "$artifact" | head -c 4000)" >&2
done
exit "$status"
