#!/usr/bin/env bash
# scripts/chaos-runs.sh [RUNS] [CONTENTION]: the chaos suite RUNS times in a row (default 10) on a fresh clone of
# this repository's HEAD, each beside CONTENTION busy loops (default: one per core), stopping at the first
# failure. Prints each run's seeds, duplicates and time, and keeps the member logs of every run.
#   bash scripts/chaos-runs.sh 10
set -euo pipefail
runs=${1:-10}
contention=${2:-$(nproc)}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/relstream-chaos-runs.XXXXXX)
git clone -q "$repo" "$work/clone"
cd "$work/clone"
# Said, not hidden: on an older Node, npm ci refuses (engine-strict) and nothing would run.
npm ci --no-audit --no-fund > "$work/setup.log" 2>&1 && npm run build >> "$work/setup.log" 2>&1 \
  || { echo "setup failed with Node $(node --version): $work/setup.log" >&2; tail -5 "$work/setup.log" >&2; exit 1; }
for i in $(seq 1 "$runs"); do
  logs="$work/run-$i"
  mkdir -p "$logs"
  started=$SECONDS
  if RELSTREAM_CHAOS_LOG_DIR="$logs" RELSTREAM_TEST_CHAOS_CONTENTION="$contention" node dist/test/run-tests.js --chaos > "$logs/output.txt" 2>&1; then status=green; else status=RED; fi
  echo "run $i: $status in $((SECONDS - started)) s (HEAD $(git rev-parse --short HEAD), $contention busy loops)"
  grep -E 'seed [0-9]+ \(repeat|duplicates|ℹ (pass|fail) ' "$logs/output.txt" | sed 's/^/    /'
  [ "$status" = green ] || { echo "logs: $logs"; exit 1; }
done
echo "all $runs runs green; logs under $work"
