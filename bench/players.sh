#!/usr/bin/env bash
# What a viewer sees in hls.js (Debian's Chromium, tests/browser/hls-player.mjs) on a
# 1080p HEVC/AC-3 film with default ABR, reading segments as they arrive as the web
# player does (HS_PLAYER_PROGRESSIVE=0: whole segments), on a fresh server (empty transcode cache) each
# run: first frame, a seek to 80% playing again, a forced quality switch and the longest
# stall after it, and any 503/429. Beside each, its floor measured in the same run: bare
# ffmpeg making the one segment the player needs there with the server's own encoder
# settings (the first 480p segment; the 480p segment at 80%, decoded from the keyframe
# before it; the first 720p segment), and the overhead, what the server and the player
# add to it. Medians of the runs, with every run; the commit is printed.
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
# The floors, by bare ffmpeg with the server's HLS encoder settings
# (src/transcode/encode.rs), into nothing. Prints seconds: the whole 3 s segment (the
# issue's floor), then the first encoded picture alone (video only, each packet
# flushed): the floor given every advantage the server takes now that it sends a
# segment as it is written.
floor_once() { # start height kbps
  python3 - "$src" "$1" "$2" "$3" <<'PY'
import subprocess, sys, time
src, start, height, kbps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
video = ["-map", "0:v:0", "-vf", f"scale=-2:{height}:flags=bicubic,format=yuv420p",
         "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-sc_threshold", "0",
         "-b:v", f"{kbps}k", "-maxrate", f"{kbps * 11 // 10}k", "-bufsize", f"{kbps * 2}k",
         "-force_key_frames", "expr:gte(t,n_forced*3)"]
head = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-ss", start, "-i", src]
whole = head + video + ["-map", "0:a:0", "-c:a", "aac", "-ac", "2", "-b:a", "128k",
                        "-t", "3", "-f", "mpegts", "-y", "/dev/null"]
t = time.monotonic()
subprocess.run(whole, check=True)
segment = time.monotonic() - t
t = time.monotonic()
p = subprocess.Popen(head + video + ["-t", "3", "-flush_packets", "1", "-f", "framemd5", "pipe:1"],
                     stdout=subprocess.PIPE)
first = None
for line in p.stdout:
    if not line.startswith(b"#"):
        first = time.monotonic() - t
        break
p.kill()
p.wait()
print(f"{segment:.3f} {first:.3f}")
PY
}
floors=()
for i in $(seq "$runs"); do
  floors+=("$(floor_once 0 480 1200) $(floor_once 48 480 1200) $(floor_once 0 720 2800)")
done
port=39874
base="http://127.0.0.1:$port"
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/lib"
# A hard link (a symlink leading out of a library is not scanned), else a copy.
ln "$src" "$work/lib/film.mkv" 2>/dev/null || cp "$src" "$work/lib/film.mkv"
export HOMESTREAM_CONFIG_DIR=/nonexistent HOMESTREAM_DATA_DIR="$work/data" VIDEOS_PATH="$work/lib" \
  HOMESTREAM_SERVER__PORT=$port HOMESTREAM_SERVER__CORS_ORIGINS='["http://player.test"]' \
  HOMESTREAM_LOG__LEVEL=warn \
  HOMESTREAM_TRANSCODE__TRICKPLAY=false # the serving path alone: no background previews
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
printf '%s\n' "${floors[@]}" >"$work/floors.txt"
python3 - "$work/runs.jsonl" "$work/floors.txt" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
floors = [[float(x) for x in l.split()] for l in open(sys.argv[2]) if l.strip()]
def raw(xs):
    return ", ".join(f"{x:.2f}" for x in xs)
print("| figure | median (s) | runs | floor: bare ffmpeg, the segment (s) | floor runs | overhead (s) | floor: its first picture (s) | overhead over that (s) |")
print("|---|---|---|---|---|---|---|---|")
# Each floor's line: segment and first-picture times of 480p from 0, 480p from 48 s,
# 720p from 0 (columns 0 to 5). The forced switch's floor: the rung it went to.
switch_col = 2 if all(r.get("switchedTo") == 720 for r in runs) else 0
for key, name, col in [("firstFrameMs", "first frame shown", 0),
                       ("firstPlayedMs", "first frame, then 0.1 s played", 0),
                       ("seekMs", "seek to 80%: first picture there", 1),
                       ("seekPlayedMs", "seek to 80%, then 0.2 s played", 1),
                       ("switchMs", "forced quality switch (hls.currentLevel): its first picture", switch_col)]:
    xs = [r[key] / 1000 for r in runs if isinstance(r.get(key), (int, float))]
    fs = [f[2 * col] for f in floors]
    firsts = [f[2 * col + 1] for f in floors]
    if not xs:
        print(f"| {name} | never | | {statistics.median(fs):.2f} | {raw(fs)} | | {statistics.median(firsts):.2f} | |")
        continue
    m, f, p = statistics.median(xs), statistics.median(fs), statistics.median(firsts)
    print(f"| {name} | {m:.2f} | {raw(xs)} | {f:.2f} | {raw(fs)} | **{m - f:+.2f}** | {p:.2f} ({raw(firsts)}) | {m - p:+.2f} |")
stalls = [r.get("maxStallMs", 0) / 1000 for r in runs]
print(f"| longest stall after the forced switch (to {sorted(set(str(r.get('switchedTo')) for r in runs))}p) | {statistics.median(stalls):.2f} | {raw(stalls)} | | | |")
smooth = [r["smoothSwitchMs"] / 1000 for r in runs if isinstance(r.get("smoothSwitchMs"), (int, float))]
smooth_stalls = [r.get("smoothStallMs", 0) / 1000 for r in runs]
if smooth:
    print(f"| switch as the web player does (hls.nextLevel): the new rung's first picture | {statistics.median(smooth):.2f} | {raw(smooth)} | | | playing on meanwhile |")
print(f"| longest stall during that switch | {statistics.median(smooth_stalls):.2f} | {raw(smooth_stalls)} | | | |")
stalls = stalls + smooth_stalls
print(f"| stalls over 5 s | {sum(1 for s in stalls if s > 5)} of {len(runs)} runs | | | | |")
refused = sum(r["statuses"].get(s, 0) for r in runs for s in ("503", "429"))
print(f"| answers of 503 or 429 | {refused} | | | | |")
from collections import Counter
kinds = Counter(e for r in runs for e in r.get("hlsErrors", []))
fatal = sum(n for e, n in kinds.items() if e.endswith(":true"))
page = sum(len(r.get("errors", [])) for r in runs)
shown = ", ".join(f"{e.rsplit(':', 1)[0]} {n}" for e, n in kinds.most_common())
print(f"| hls.js errors: fatal / not (by kind) | {fatal} / {sum(kinds.values())} ({shown}) | | | | |")
print(f"| page errors | {page} | | | | |")
print(f"| start level | {sorted(set(str(r.get('startLevel')) for r in runs))} of levels {runs[0].get('levels')} | | | | |")
PY
