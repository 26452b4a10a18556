#!/usr/bin/env python3
"""Time to first byte on fresh connections against one running server, for experiments
that `cargo bench --bench serve` cannot make (a server pinned with `taskset`, one
started with other settings, `perf stat -p` or `perf sched record` alongside).

    bench/ttfb.py URL [N]          # HS_TOKEN=... for homestream's bearer token

Each request: connect, TCP_NODELAY, time from sending a GET of a random 1 KiB range to
the answer's first byte, then read the rest; prints p50, p90 and p99 in milliseconds.
"""
import os
import random
import socket
import sys
import time
from urllib.parse import urlsplit


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    url = urlsplit(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    token = os.environ.get("HS_TOKEN")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    size = int(os.environ.get("HS_FILE_SIZE", str(250 << 20)))
    rng = random.Random(7)
    samples = []
    for _ in range(n):
        start = rng.randrange(0, size - 1024)
        request = (
            f"GET {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\n{auth}"
            f"Range: bytes={start}-{start + 1023}\r\nConnection: close\r\n\r\n"
        ).encode()
        conn = socket.create_connection((url.hostname, url.port or 80))
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t = time.perf_counter()
        conn.sendall(request)
        if not conn.recv(1):
            sys.exit("the server closed the connection without answering")
        samples.append((time.perf_counter() - t) * 1000)
        while conn.recv(65536):
            pass
        conn.close()
    samples.sort()
    at = lambda q: samples[min(int(n * q), n - 1)]  # noqa: E731
    print(f"{sys.argv[1]} n={n} p50 {at(0.5):.3f} p90 {at(0.9):.3f} p99 {at(0.99):.3f} ms")


if __name__ == "__main__":
    main()
