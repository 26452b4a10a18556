"""The API's latency on a large library, one keep-alive connection, requests in turn.

Usage: python3 bench/library_api.py BASE_URL TOKEN [REQUESTS]
Prints the median and p99 (milliseconds) of each query a household's apps make.
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse

base, token = sys.argv[1], sys.argv[2]
requests = int(sys.argv[3]) if len(sys.argv) > 3 else 300
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port)
headers = {"Authorization": f"Bearer {token}"}


def call(method, path):
    conn.request(method, path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status >= 300:
        raise SystemExit(f"{method} {path}: {resp.status} {body[:200]!r}")
    return json.loads(body) if body else None


series = call("GET", "/api/series?limit=200")
total_series = series["total"]
middle = call("GET", f"/api/series?limit=1&offset={total_series // 2}")["items"][0]
# Twenty series in progress: their first season watched.
for s in series["items"][:20]:
    call("POST", f"/api/series/{s['id']}/watched?season=1")
typed = ["s", "sh", "sho", "show", "show ", "show 1", "show 12", "show 123"]
queries = {
    "series list (by title)": ["/api/series?limit=50"],
    "series list (recently added)": ["/api/series?sort=added&limit=50"],
    "series page": [f"/api/series/{middle['id']}"],
    "a season's episodes": [f"/api/series/{middle['id']}/episodes?season=3"],
    "next up (20 series)": ["/api/next-up"],
    "search as you type: series": [f"/api/series?q={urllib.parse.quote(q)}&limit=20" for q in typed],
    "search as you type: episodes": [f"/api/videos?q={urllib.parse.quote(q)}&limit=20" for q in typed],
    "  the same, not counted": [f"/api/videos?q={urllib.parse.quote(q)}&limit=20&count=false" for q in typed],
    # Words matching nothing, a few hundred episodes spread over every show, and two
    # common words whose pair is uncommon (5%): the costlier searches.
    "search: rare, absent and paired words": [
        f"/api/videos?q={urllib.parse.quote(q)}&limit=20" for q in ["zzz", "s03e07", "title 17", "qq", "episode 9"]
    ],
    # As the web app's infinite list asks for a later page: without counting again.
    "library page, title order, deep": ["/api/videos?kind=episode&sort=title&limit=50&offset=25000&count=false"],
    "  the same, counted": ["/api/videos?kind=episode&sort=title&limit=50&offset=25000"],
    "library page, filtered, by duration": ["/api/videos?min_height=180&codec=h264&sort=duration&limit=50"],
    "library page, newest first": ["/api/videos?sort=added&limit=50"],
}
print(f"{total_series} series; {requests} requests per query, one connection")
print(f"  {'query':40} {'median ms':>10} {'p99 ms':>8}")
for name, paths in queries.items():
    times = []
    for i in range(requests):
        path = paths[i % len(paths)]
        start = time.perf_counter()
        call("GET", path)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"  {name:40} {statistics.median(times):10.2f} {p99:8.2f}")
