#!/usr/bin/env bash
# Start-up time (exec until /health answers) and idle RSS of the release binary, on a
# fresh data dir each run (so migrations and the JWT secret are made every time).
# Usage: bench/startup.sh [runs]   (prints the median and all runs)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-11}"
bin=target/release/homestream
[[ -x $bin ]] || cargo build --release --quiet
port=39871
times=() rss=()
for _ in $(seq "$runs"); do
  dir=$(mktemp -d)
  start=$(date +%s%N)
  HOMESTREAM_DATA_DIR="$dir" PORT=$port HOMESTREAM_LOG__LEVEL=warn HOMESTREAM_CONFIG_DIR=/nonexistent \
    "$bin" serve & pid=$!
  until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.002; done
  end=$(date +%s%N)
  sleep 1
  rss+=("$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  times+=("$(( (end - start) / 1000000 ))")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "start-up to first /health answer: median $(median "${times[@]}") ms  (runs: ${times[*]})"
echo "idle RSS one second after start:   median $(median "${rss[@]}") KiB (runs: ${rss[*]})"
