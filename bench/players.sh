#!/usr/bin/env bash
# What a viewer sees in hls.js (Debian's Chromium, tests/browser/hls-player.mjs) on a
# 1080p HEVC/AC-3 film with default ABR, on a fresh server (empty transcode cache) each
# run: first frame, a seek to 80% playing again, a forced quality switch and the longest
# stall after it, and any 503/429. Medians of the runs; the commit is printed.
# Usage: bench/players.sh [runs]          (default 5)
#        BENCH_BIN=target/debug/homestream bench/players.sh   (default: release)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
bin="${BENCH_BIN:-target/release/homestream}"
[[ -x $bin ]] || cargo build --release --quiet
[[ -d tests/browser/node_modules ]] || (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
media=target/bench-media
src=$media/hevc-ac3-1080p.mkv
if [[ ! -f $src ]]; then
  mkdir -p "$media"
  echo "making $src ..."
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25:duration=60 \
    -f lavfi -i sine=frequency=220:duration=60 -c:v libx265 -preset ultrafast -pix_fmt yuv420p \
    -x265-params log-level=error -c:a ac3 -ac 6 -shortest "$src.part.mkv"
  mv "$src.part.mkv" "$src"
fi
port=39874
base="http://127.0.0.1:$port"
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/lib"
# A hard link (a symlink leading out of a library is not scanned), else a copy.
ln "$src" "$work/lib/film.mkv" 2>/dev/null || cp "$src" "$work/lib/film.mkv"
export HOMESTREAM_CONFIG_DIR=/nonexistent HOMESTREAM_DATA_DIR="$work/data" VIDEOS_PATH="$work/lib" \
  HOMESTREAM_SERVER__PORT=$port HOMESTREAM_SERVER__CORS_ORIGINS='["http://player.test"]' \
  HOMESTREAM_LOG__LEVEL=warn
printf 'benchpassword1\n' | "$bin" user create viewer --role user --password-stdin >/dev/null
echo "commit $(git rev-parse --short HEAD), $bin, $(nproc) cores, $runs runs"
for i in $(seq "$runs"); do
  "$bin" serve >"$work/server.log" 2>&1 & echo $! >"$work/pid"
  for _ in $(seq 100); do curl -sf "$base/health" >/dev/null && break; sleep 0.1; done
  token=$(curl -sf "$base/api/auth/login" -H 'content-type: application/json' \
    -d '{"username":"viewer","password":"benchpassword1"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  id=""
  for _ in $(seq 100); do
    id=$(curl -sf "$base/api/videos" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["id"] if i else "")')
    [[ -n $id ]] && break; sleep 0.2
  done
  master=$(curl -sf -X POST "$base/api/videos/$id/playback" -H "Authorization: Bearer $token" \
    -H 'content-type: application/json' -d '{"preset":"browser"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["url"])')
  (cd tests/browser && node hls-player.mjs "$master" http://player.test) | tee -a "$work/players.log" | tail -n1 >>"$work/runs.jsonl"
  kill "$(cat "$work/pid")"; wait "$(cat "$work/pid")" 2>/dev/null || true
done
[[ -n ${BENCH_PLAYER_LOG:-} ]] && cp "$work/players.log" "$BENCH_PLAYER_LOG"
python3 - "$work/runs.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
def med(key):
    xs = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return f"{statistics.median(xs)/1000:.2f} s (of {len(xs)}: {', '.join(f'{x/1000:.2f}' for x in xs)})" if xs else "never"
print("| figure | median |")
print("|---|---|")
for key, name in [("firstFrameMs", "first frame"), ("seekMs", "seek to 80% playing again"),
                  ("switchMs", "forced quality switch done"), ("maxStallMs", "longest stall after the switch")]:
    print(f"| {name} | {med(key)} |")
refused = sum(r["statuses"].get(s, 0) for r in runs for s in ("503", "429"))
print(f"| answers of 503 or 429 | {refused} |")
print(f"| start level | {sorted(set(str(r.get('startLevel')) for r in runs))} of levels {runs[0].get('levels')} |")
PY
