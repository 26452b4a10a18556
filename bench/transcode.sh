#!/usr/bin/env bash
# Transcoding figures on this machine, against bare ffmpeg in the same run:
#   1. master playlist request -> first 720p segment ready (fresh server, empty cache)
#   2. a seek to the middle of the video -> that 720p segment ready
#   3. CPU time of the server (and its ffmpeg) making the whole 720p variant, against the
#      same ffmpeg command line run bare: the pool's overhead
#   4. ffmpeg processes left 5 s after the last viewer's idle timeout
# Source: a generated 1080p H.264/AAC file of 2 minutes (kept in target/bench-media).
# Usage: bench/transcode.sh [runs]      (medians of runs for 1 and 2; default 3)
#        BENCH_CPU_ONLY=1 bench/transcode.sh   (only 3 and 4)
#        BENCH_CPU_ROUNDS=N (rounds of 3, alternating which side goes first; default 4)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
bin=target/release/homestream
[[ -x $bin ]] || cargo build --release --quiet
media=target/bench-media
src=$media/source-1080p.mp4
if [[ ! -f $src ]]; then
  mkdir -p "$media"
  echo "making $src ..."
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=120 \
    -f lavfi -i sine=frequency=440:duration=120 -c:v libx264 -preset veryfast -crf 23 \
    -g 60 -pix_fmt yuv420p -c:a aac -shortest "$src.part.mp4"
  mv "$src.part.mp4" "$src"
fi
port=39873
base="http://127.0.0.1:$port"
idle=5
data=""
pid=""

start_server() { # extra env assignments as arguments
  data=$(mktemp -d)
  env HOMESTREAM_DATA_DIR="$data" PORT=$port VIDEOS_PATH="$PWD/$media" HOMESTREAM_LOG__LEVEL=warn \
    HOMESTREAM_CONFIG_DIR=/nonexistent HOMESTREAM_MEDIA__WATCH=false \
    HOMESTREAM_TRANSCODE__IDLE_TIMEOUT="${idle}s" "$@" "$bin" serve >"$data/log" 2>&1 &
  pid=$!
  until curl -fs "$base/health" >/dev/null; do sleep 0.01; done
  printf 'bench-password-1\n' | HOMESTREAM_DATA_DIR="$data" HOMESTREAM_CONFIG_DIR=/nonexistent \
    "$bin" user create bench --role admin --password-stdin >/dev/null
  token=$(curl -fs "$base/api/auth/login" -H 'content-type: application/json' \
    -d '{"username":"bench","password":"bench-password-1"}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  until id=$(curl -fs "$base/api/videos" -H "authorization: Bearer $token" |
    grep -o '"id":"[^"]*"' | head -n1 | cut -d'"' -f4) && [[ -n $id ]]; do sleep 0.1; done
}
stop_server() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap stop_server EXIT
get() { curl -fs -o /dev/null "$base$1" -H "authorization: Bearer $token"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%g\n", m}'; }
cpu_ticks() { # utime + stime + reaped children's, in clock ticks
  awk '{print $14 + $15 + $16 + $17}' "/proc/$1/stat"
}
ffmpegs() { pgrep -f "ffmpeg.*$1" | wc -l; }

first=() seek=()
[[ ${BENCH_CPU_ONLY:-} ]] && runs=0
for _ in $(seq "$runs"); do
  start_server
  t0=$(now_ms)
  get "/api/hls/$id/master.m3u8"
  get "/api/hls/$id/720p/index.m3u8"
  get "/api/hls/$id/720p/0.ts"
  t1=$(now_ms)
  first+=("$((t1 - t0))")
  t0=$(now_ms)
  get "/api/hls/$id/720p/20.ts"
  t1=$(now_ms)
  seek+=("$((t1 - t0))")
  stop_server
done
((runs)) && echo "master playlist -> first 720p segment: median $(median "${first[@]}") ms (runs: ${first[*]})"
((runs)) && echo "seek to the middle (segment 20 of 40):  median $(median "${seek[@]}") ms (runs: ${seek[*]})"

# The whole 720p variant through the server (throttling off), against the same ffmpeg
# command line run bare with the same stdio (stdin /dev/null, stdout and stderr to
# pipes). Rounds alternate which goes first, so neither always meets a warmer page
# cache or a quieter neighbour; the overhead is the median of the rounds' ratios.
cpu_rounds=${BENCH_CPU_ROUNDS:-4}
hz=$(getconf CLK_TCK)
bare_cmd=()
server_run() { # sets server (ticks of the server and its children) and own (the server's)
  start_server HOMESTREAM_TRANSCODE__MAX_SEGMENTS_AHEAD=1000 HOMESTREAM_TRANSCODE__IDLE_TIMEOUT=600s
  local cache="$data/transcode" before self_before ff
  sleep 3 # the start-up scan's ffprobe and thumbnail are done
  before=$(cpu_ticks "$pid")
  self_before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  get "/api/hls/$id/720p/0.ts"
  ff=$(pgrep -f "ffmpeg.*$cache" | head -n1)
  if ((${#bare_cmd[@]} == 0)); then
    local cmd=() arg
    mapfile -d '' cmd < "/proc/$ff/cmdline"
    for arg in "${cmd[@]}"; do bare_cmd+=("${arg//$cache\/hls\/$id\/720p/@OUT@}"); done
  fi
  while kill -0 "$ff" 2>/dev/null; do sleep 0.2; done
  sleep 0.5
  server=$(( $(cpu_ticks "$pid") - before ))
  own=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - self_before ))
  stop_server
}
bare_run() { # sets bare (ticks of the same ffmpeg run from here)
  local dir start arg cmd=()
  dir=$(mktemp -d)
  for arg in "${bare_cmd[@]}"; do cmd+=("${arg//@OUT@/$dir}"); done
  start=$(awk '{print $16 + $17}' /proc/$$/stat)
  "${cmd[@]}" </dev/null 2>&1 | cat >/dev/null
  bare=$(( $(awk '{print $16 + $17}' /proc/$$/stat) - start ))
  rm -rf "$dir"
}
ratios=()
for round in $(seq "$cpu_rounds"); do
  if ((round % 2)); then server_run; bare_run; else bare_run; server_run; fi
  ratio=$(awk -v s="$server" -v b="$bare" 'BEGIN { printf "%+.1f", (s-b)*100/b }')
  ratios+=("$ratio")
  awk -v r="$round" -v s="$server" -v o="$own" -v b="$bare" -v hz="$hz" -v x="$ratio" -v first="$( ((round % 2)) && echo server || echo bare)" 'BEGIN {
    printf "round %d (%s first): server+ffmpeg %.2f s CPU (the server itself %.2f s), bare ffmpeg %.2f s, overhead %s%%\n", r, first, s/hz, o/hz, b/hz, x }'
done
echo "whole 720p variant CPU overhead over bare ffmpeg: median $(median "${ratios[@]}")% (rounds: ${ratios[*]})"

stop_server
# Processes left after the idle timeout.
start_server
cache="$data/transcode"
get "/api/hls/$id/480p/0.ts"
echo "ffmpeg running right after a request: $(ffmpegs "$cache")"
sleep $((idle + 5))
echo "ffmpeg running ${idle}s idle timeout + 5 s later: $(ffmpegs "$cache")"
stop_server
trap - EXIT
