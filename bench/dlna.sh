#!/usr/bin/env bash
# The DLNA media server against Debian's minidlna and Gerbera, on the same tree, in the
# same run, each in a network namespace (so SSDP never reaches a real LAN), measured
# from a client namespace by bench/dlna_client.py:
#
#   - discoverable: seconds from the server's start until it answers M-SEARCH for a
#     MediaServer (M-SEARCH every 100 ms);
#   - Browse: time to the full answer for a container of BENCH_ITEMS (1,000) videos
#     (the first such container found breadth first: a folder), paging until every
#     child is read, p50 and p99 of BENCH_CALLS (100) calls: the time from each request
#     to the last byte of its answer, summed over the pages (the client parses the XML
#     after the clock stops: its parser is the same for every server), and the bytes;
#   - the first Browse of that container (200 children; homestream renders the whole
#     listing then, and keeps it for the catalog's version): the cold answer;
#   - memory: the server's resident memory right after the calls (and how much of it is
#     anonymous, not the program's own mapped files), again after 40 s idle, and its
#     peak (VmHWM).
#
# Usage: sudo bash bench/dlna.sh   (BENCH_ITEMS, BENCH_CALLS; BENCH_KEEP=1 keeps the
# work folder). Prints a table with each server's figures and ratios to homestream's;
# the last run is kept in bench/last-dlna-run.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
items="${BENCH_ITEMS:-1000}"
calls="${BENCH_CALLS:-100}"
bin=$PWD/target/release/homestream
client="python3 $PWD/bench/dlna_client.py"
work=$(mktemp -d /tmp/homestream-dlna-bench.XXXX)
n=$(( $$ % 200 + 30 ))
s="hs-bench-s$n" c="hs-bench-c$n" vs="hsbs$n" vc="hsbc$n"
srv_ip="10.79.$n.1" cli_ip="10.79.$n.2"
pid=""
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  ip netns del "$s" 2>/dev/null || true
  ip netns del "$c" 2>/dev/null || true
  [[ -n "${BENCH_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

for tool in minidlnad gerbera ip; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install minidlna gerbera iproute2)"; exit 1; }
done
cargo build --release --quiet
echo "commit $(git rev-parse --short HEAD), $(nproc) CPUs, $items videos in one folder, $calls Browses each"

ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x180:rate=25:duration=1 \
  -f lavfi -i sine=frequency=440:duration=1 -c:v libx264 -preset ultrafast -c:a aac -ac 2 \
  -shortest -movflags +faststart "$work/clip.mp4"
mkdir -p "$work/media/Films"
for ((i = 1; i <= items; i++)); do
  ln "$work/clip.mp4" "$(printf '%s/media/Films/Film %04d (%d).mp4' "$work" "$i" $((1950 + i % 70)))"
done

ip netns add "$s"; ip netns add "$c"
ip link add "$vs" type veth peer name "$vc"
ip link set "$vs" netns "$s"; ip link set "$vc" netns "$c"
for pair in "$s $vs $srv_ip" "$c $vc $cli_ip"; do
  read -r ns dev addr <<<"$pair"
  ip -n "$ns" addr add "$addr/24" dev "$dev"
  ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_dad=0"
  ip -n "$ns" link set "$dev" up
  ip -n "$ns" link set lo up
  ip -n "$ns" route add 224.0.0.0/4 dev "$dev"
done

rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# measure NAME: the server whose pid is $pid was started at $started.
results=()
measure() {
  local name=$1 disc location found control id first browse p50 p99 size mem anon peak
  disc=$(ip netns exec "$c" $client discover "$cli_ip" 60)
  location=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["location"])' <<<"$disc")
  found=$(ip netns exec "$c" $client find "$location" "$items" 300)
  control=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["control"])' <<<"$found")
  id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$found")
  first=$(python3 -c 'import json,sys; print(round(json.load(sys.stdin)["first_ms"], 1))' <<<"$found")
  browse=$(ip netns exec "$c" $client browse "$control" "$id" "$items" "$calls")
  p50=$(python3 -c 'import json,sys; print(round(json.load(sys.stdin)["p50_ms"], 2))' <<<"$browse")
  p99=$(python3 -c 'import json,sys; print(round(json.load(sys.stdin)["p99_ms"], 2))' <<<"$browse")
  size=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes"] // 1024)' <<<"$browse")
  mem=$(rss "$pid") peak=$(hwm "$pid") anon=$(awk '/RssAnon/ {print $2}' "/proc/$pid/status")
  # And once the burst is over: 40 s idle, as a server spends most of its day.
  sleep 40
  local idle
  idle=$(rss "$pid")
  echo "$name: discoverable $disc_s s; container $id; first Browse (200, cold) $first ms; full Browse p50 $p50 ms, p99 $p99 ms ($size KiB of answers); RSS $((mem / 1024)) MiB (anonymous $((anon / 1024)) MiB), after 40 s idle $((idle / 1024)) MiB, peak $((peak / 1024)) MiB"
  results+=("$name $disc_s $first $p50 $p99 $mem $anon $idle $peak $size")
}

start_clock() { started=$(python3 -c 'import time; print(time.monotonic())'); }
discover_time() {
  local out
  out=$(ip netns exec "$c" $client discover "$cli_ip" 60)
  disc_s=$(python3 -c "import json,sys,time; print(round(time.monotonic() - $started, 3))")
  echo "$out" >/dev/null
}

# homestream: SQLite in the work folder, the folder as a library, DLNA on.
mkdir -p "$work/hs"
cat >"$work/hs/homestream.toml" <<EOF
data_dir = "$work/hs/data"
[server]
host = "127.0.0.1"
port = 39871
[media]
scan_on_startup = true
watch = false
[[media.libraries]]
name = "Films"
path = "$work/media"
[dlna]
enable = true
user = "tv"
friendly_name = "homestream bench"
[log]
level = "warn"
EOF
export HOMESTREAM_CONFIG_DIR=/nonexistent HOMESTREAM_AUTH__JWT_SECRET=bench-secret-bench-secret-bench-secret-0
echo "correct horse battery" | "$bin" --config "$work/hs/homestream.toml" user create tv --password-stdin >/dev/null
echo "correct horse battery" | "$bin" --config "$work/hs/homestream.toml" user create boss --role admin --password-stdin >/dev/null
start_clock
ip netns exec "$s" "$bin" --config "$work/hs/homestream.toml" serve 2>"$work/hs/log" &
pid=$!
discover_time
# The steady state: the scan done and its thumbnails made (an ffmpeg each, in the
# background), as a household meets the server after its first scan.
api() { ip netns exec "$s" curl -s "$@"; }
token=$(api http://127.0.0.1:39871/api/auth/login -H 'content-type: application/json' \
  -d '{"username":"boss","password":"correct horse battery"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
for ((t = 0; t < 1200; t++)); do
  progress=$(api http://127.0.0.1:39871/api/library/scan -H "authorization: Bearer $token")
  python3 -c 'import json,sys; p=json.load(sys.stdin); sys.exit(0 if not p["running"] and p["finished_at"] and p["thumbnails_pending"] == 0 else 1)' <<<"$progress" && break
  sleep 0.5
done
echo "homestream: scan and thumbnails done after $(python3 -c "import time; print(round(time.monotonic() - $started, 1))") s"
measure homestream
kill "$pid"; wait "$pid" 2>/dev/null || true
[[ -n "${BENCH_ONLY_HOMESTREAM:-}" ]] && exit 0

# minidlna: a throwaway configuration and database, foreground.
mkdir -p "$work/minidlna"
cat >"$work/minidlna/minidlna.conf" <<EOF
media_dir=V,$work/media
db_dir=$work/minidlna/db
log_dir=$work/minidlna
port=8200
network_interface=$vs
friendly_name=minidlna bench
inotify=no
EOF
start_clock
ip netns exec "$s" minidlnad -f "$work/minidlna/minidlna.conf" -P "$work/minidlna/pid" -R -d >"$work/minidlna/out" 2>&1 &
pid=$!
discover_time
measure minidlna
kill "$pid"; wait "$pid" 2>/dev/null || true

# Gerbera: its own home, the folder added at start.
mkdir -p "$work/gerbera"
start_clock
ip netns exec "$s" gerbera --home "$work/gerbera" --cfgdir . -e "$vs" -p 49152 \
  --add "$work/media/Films" >"$work/gerbera/out" 2>&1 &
pid=$!
discover_time
measure gerbera
kill "$pid"; wait "$pid" 2>/dev/null || true

{
  echo
  echo "server       discoverable  first (cold)  Browse p50  Browse p99   answers  RSS (anon)   idle RSS   peak RSS   ratios to homestream"
  read -r _ hd hf hp50 hp99 hmem hanon hidle hpeak hsize <<<"${results[0]}"
  for r in "${results[@]}"; do
    read -r name d f p50 p99 mem anon idle peak size <<<"$r"
    printf '%-12s %8s s  %8s ms  %7s ms  %7s ms  %5d KiB  %4d MiB (%3d)  %4d MiB  %6d MiB   p50 x%s  p99 x%s  idle RSS x%s\n' \
      "$name" "$d" "$f" "$p50" "$p99" "$size" $((mem / 1024)) $((anon / 1024)) $((idle / 1024)) $((peak / 1024)) \
      "$(python3 -c "print(round($p50 / $hp50, 2))")" \
      "$(python3 -c "print(round($p99 / $hp99, 2))")" \
      "$(python3 -c "print(round($idle / $hidle, 2))")"
  done
} | tee bench/last-dlna-run.txt
