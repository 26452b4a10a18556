#!/usr/bin/env bash
# The library at the size of a real collection, against Debian's minidlna on the same
# tree in the same run.
#
#   1. First scan of BENCH_FILES (10,000) real small files named as households name
#      them (shows / seasons / episodes, mp4 and mkv, H.264/AAC made by ffmpeg):
#      wall time until every file is in the catalog with its duration, codecs and
#      resolution (the scan's `catalogued_seconds`), and the server's peak RSS by then;
#      minidlna (`minidlnad -R -d`, a throwaway config) until it logs the scan finished,
#      and its peak RSS (scanner included). Page caches are dropped before each.
#   2. A rescan with nothing changed.
#   3. BENCH_BIG (50,000) episodes (hard links of the same files: real files, cheap
#      disk) scanned, then the server's anonymous memory, and the API's latency (median,
#      p99 of BENCH_REQUESTS each) for the series list, a series page, a season's
#      episodes, next up, search as you type and the library page sorted and filtered,
#      on SQLite and, when BENCH_PG names a database URL, on PostgreSQL.
#
# Usage: bash bench/library.sh   (BENCH_FILES, BENCH_BIG, BENCH_REQUESTS; BENCH_PG: a
# database URL, empty for none, by default a database made on 127.0.0.1 and dropped;
# BENCH_KEEP=1 keeps the work folder). Prints a table; the last run is kept in
# bench/last-library-run.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
files="${BENCH_FILES:-10000}"
big="${BENCH_BIG:-50000}"
requests="${BENCH_REQUESTS:-300}"
pg="${BENCH_PG-auto}"
bin=target/release/homestream
work=$(mktemp -d /tmp/homestream-library-bench.XXXX)
port=39873
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "${BENCH_KEEP:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT

command -v minidlnad >/dev/null || { echo "minidlna is missing: apt-get install minidlna"; exit 1; }
cargo build --release --quiet
echo "commit $(git rev-parse --short HEAD), $(nproc) CPUs, work in $work"

# Two one-second 320x180 H.264/AAC (stereo) clips, one MP4 and one Matroska. (Mono AAC-LC
# is left to ffprobe: whether it plays as stereo is known only by decoding it.)
ffmpeg -nostdin -v error -f lavfi -i testsrc2=size=320x180:rate=25:duration=1 \
  -f lavfi -i sine=frequency=440:duration=1 -c:v libx264 -preset ultrafast -c:a aac -ac 2 \
  -shortest "$work/clip.mp4"
ffmpeg -nostdin -v error -i "$work/clip.mp4" -c copy "$work/clip.mkv"

# tree DIR COUNT MODE: COUNT episodes, 20 per season, 5 seasons per show; MODE cp or ln.
tree() {
  local dir=$1 count=$2 mode=$3 n=0
  for ((show = 1; n < count; show++)); do
    for ((season = 1; season <= 5 && n < count; season++)); do
      local folder
      folder=$(printf '%s/Show %03d (%d)/Season %02d' "$dir" "$show" $((1950 + show % 70)) "$season")
      mkdir -p "$folder"
      for ((ep = 1; ep <= 20 && n < count; ep++, n++)); do
        local ext=mp4
        ((ep % 2)) && ext=mkv
        local name
        name=$(printf 'Show %03d - S%02dE%02d - Episode Title %d.%s' "$show" "$season" "$ep" "$ep" "$ext")
        if [[ $mode == ln ]]; then ln "$work/clip.$ext" "$folder/$name"; else cp "$work/clip.$ext" "$folder/$name"; fi
      done
    done
  done
}
tree "$work/tree" "$files" cp
echo "tree: $files files, $(du -sh "$work/tree" | cut -f1)"

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || echo "(page cache not dropped: not root)"; }

# Peak RSS (KiB) of a process and its children, sampled every 20 ms while it runs.
sample_peak() {
  local pid=$1 out=$2 peak=0
  while kill -0 "$pid" 2>/dev/null; do
    local sum=0
    for p in $pid $(pgrep -P "$pid" || true); do
      local r
      r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
      sum=$((sum + ${r:-0}))
    done
    ((sum > peak)) && peak=$sum && echo "$peak" > "$out"
    sleep 0.02
  done
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- minidlna -------------------------------------------------------------------
mkdir -p "$work/dlna-db" "$work/dlna-log"
cat > "$work/minidlna.conf" <<EOF
media_dir=V,$work/tree
db_dir=$work/dlna-db
log_dir=$work/dlna-log
port=$((port + 1))
inotify=no
notify_interval=900
# -d keeps it in the foreground; its debug log (1.8 MB for 10,000 files) would slow it,
# which homestream (logging at warn) does not pay: minidlna logs at warn too.
log_level=general,artwork,database,inotify,scanner,metadata,http,ssdp,tivo=warn
EOF
drop_caches
start=$(now_ms)
minidlnad -f "$work/minidlna.conf" -d -R -P "$work/dlna.pid" > "$work/dlna.out" 2>&1 & dlna=$!
pids+=("$dlna")
sample_peak "$dlna" "$work/dlna.peak" & pids+=($!)
until grep -q "Scanning .* finished" "$work/dlna.out" 2>/dev/null; do
  kill -0 "$dlna" 2>/dev/null || { cat "$work/dlna.out"; exit 1; }
  sleep 0.02
done
dlna_ms=$(( $(now_ms) - start ))
dlna_peak=$(cat "$work/dlna.peak" 2>/dev/null || echo 0)
dlna_rows=$(sqlite3 "$work/dlna-db/files.db" "SELECT COUNT(*) FROM DETAILS WHERE MIME LIKE 'video/%'" 2>/dev/null || echo "?")
kill "$dlna" 2>/dev/null || true; wait "$dlna" 2>/dev/null || true

# --- homestream -----------------------------------------------------------------
# serve DB_URL LIBRARY_DIR: starts the server on a fresh data dir; sets $server.
serve() {
  local url=$1 library=$2 data
  data=$(mktemp -d "$work/data.XXXX")
  cat > "$data/config.toml" <<EOF
data_dir = "$data"
[server]
port = $port
[database]
url = "$url"
[media]
scan_on_startup = false
watch = false
[[media.libraries]]
name = "TV"
path = "$library"
kind = "shows"
[log]
level = "warn"
EOF
  echo "correct horse battery" | HOMESTREAM_CONFIG_DIR=/nonexistent "$bin" --config "$data/config.toml" \
    user create bench --role admin --password-stdin >/dev/null
  HOMESTREAM_CONFIG_DIR=/nonexistent "$bin" --config "$data/config.toml" serve & server=$!
  pids+=("$server")
  until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.01; done
  token=$(curl -fs "http://127.0.0.1:$port/api/auth/login" -H 'content-type: application/json' \
    -d '{"username":"bench","password":"correct horse battery"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}
api() { curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1" "${@:2}"; }
stop() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }

# scan: starts a scan and waits until its catalog is complete; prints its seconds.
scan() {
  local before
  before=$(api /api/library/scan | python3 -c 'import json,sys; print(json.load(sys.stdin)["started_at"])')
  api /api/library/scan -X POST >/dev/null
  while :; do
    local done
    done=$(api /api/library/scan | python3 -c '
import json, sys
p = json.load(sys.stdin)
fresh = p["started_at"] != sys.argv[1] and p["catalogued_seconds"] is not None
print(p["catalogued_seconds"] if fresh else "")' "$before")
    [[ -n $done ]] && { echo "$done"; return; }
    sleep 0.05
  done
}
anon_kib() { awk '/RssAnon/ {print $2}' "/proc/$server/status"; }

drop_caches
serve "sqlite:$work/first.db" "$work/tree"
sample_peak "$server" "$work/hs.peak" & pids+=($!)
first_s=$(scan)
hs_peak=$(cat "$work/hs.peak")
catalogued=$(api "/api/videos?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
probed=$(api "/api/videos?limit=1&min_height=180" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
# Rescans run while the thumbnails of the first are still being made, as they would.
rescans=()
for _ in 1 2 3; do rescans+=("$(scan)"); done
stop

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
{
  echo
  echo "first scan of $files files (caches dropped):"
  printf '  homestream  %7.2f s  peak RSS %6d KiB  (%s in the catalog, %s with a probed height)\n' "$first_s" "$hs_peak" "$catalogued" "$probed"
  printf '  minidlna    %7.2f s  peak RSS %6d KiB  (%s video rows)\n' "$(echo "$dlna_ms / 1000" | bc -l)" "$dlna_peak" "$dlna_rows"
  printf '  ratio homestream / minidlna: time %.2f, memory %.2f\n' "$(echo "$first_s / ($dlna_ms / 1000)" | bc -l)" "$(echo "$hs_peak / $dlna_peak" | bc -l)"
  echo "rescan, nothing changed: median $(median "${rescans[@]}") s (runs: ${rescans[*]})"
} | tee "$work/report.txt"

# --- 50,000 episodes: memory and the API ----------------------------------------
tree "$work/big" "$big" ln
if [[ $pg == auto ]]; then
  pg=""
  if psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE hs_library_bench_$$" 2>/dev/null; then
    pg="postgres://postgres@127.0.0.1:5432/hs_library_bench_$$"
    trap 'cleanup; psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS hs_library_bench_$$"' EXIT
  fi
fi
for url in "sqlite:$work/big.db" ${pg:+"$pg"}; do
  serve "$url" "$work/big"
  big_s=$(scan)
  anon=$(anon_kib)
  backend=${url%%:*}
  {
    echo
    echo "$big episodes on $backend: catalogued in $big_s s; anonymous memory after: $anon KiB"
    python3 bench/library_api.py "http://127.0.0.1:$port" "$token" "$requests"
  } | tee -a "$work/report.txt"
  stop
done
cp "$work/report.txt" bench/last-library-run.txt
