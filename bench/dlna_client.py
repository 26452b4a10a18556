#!/usr/bin/env python3
"""The DLNA control point bench/dlna.sh measures servers with (standard library only).

  discover BIND TIMEOUT          seconds until a MediaServer answers M-SEARCH from BIND,
                                 and its description URL
  find LOCATION N TIMEOUT        the ContentDirectory control URL and the id of the first
                                 container (breadth first) holding N children, waiting
                                 for the server's scan, and how long its first Browse
                                 (200 children) took: the cold answer
  browse CONTROL ID N CALLS      CALLS full Browses of the container (paging until all N
                                 children are read): p50 and p99 milliseconds
"""

import json
import socket
import statistics
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET

SEARCH = (
    "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
    "MX: 1\r\nST: urn:schemas-upnp-org:device:MediaServer:1\r\n\r\n"
)
CD = "urn:schemas-upnp-org:service:ContentDirectory:1"
DIDL = "{urn:schemas-upnp-org:metadata-1-0/DIDL-Lite/}"


def discover(bind, timeout):
    start = time.monotonic()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 2)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(bind))
    sock.bind((bind, 0))
    sock.settimeout(0.1)
    while time.monotonic() - start < timeout:
        try:
            sock.sendto(SEARCH.encode(), ("239.255.255.250", 1900))
        except OSError:
            pass
        deadline = time.monotonic() + 0.1
        while time.monotonic() < deadline:
            try:
                data, _ = sock.recvfrom(4096)
            except (socket.timeout, OSError):
                break
            for line in data.decode(errors="replace").split("\r\n"):
                if line.lower().startswith("location:"):
                    return time.monotonic() - start, line.split(":", 1)[1].strip()
    raise SystemExit(f"no MediaServer answered within {timeout} s")


def control_url(location):
    root = ET.fromstring(urllib.request.urlopen(location, timeout=10).read())
    ns = {"d": "urn:schemas-upnp-org:device-1-0"}
    for service in root.iter("{urn:schemas-upnp-org:device-1-0}service"):
        if service.findtext("d:serviceType", namespaces=ns) == CD:
            url = service.findtext("d:controlURL", namespaces=ns)
            base = location.split("/", 3)
            prefix = f"{base[0]}//{base[2]}"
            return url if url.startswith("http") else prefix + ("" if url.startswith("/") else "/") + url
    raise SystemExit("no ContentDirectory in the description")


def browse(control, object_id, start, count):
    body = (
        '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" '
        's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>'
        f'<u:Browse xmlns:u="{CD}"><ObjectID>{object_id}</ObjectID>'
        "<BrowseFlag>BrowseDirectChildren</BrowseFlag><Filter>*</Filter>"
        f"<StartingIndex>{start}</StartingIndex><RequestedCount>{count}</RequestedCount>"
        "<SortCriteria></SortCriteria></u:Browse></s:Body></s:Envelope>"
    )
    req = urllib.request.Request(
        control,
        data=body.encode(),
        headers={"Content-Type": 'text/xml; charset="utf-8"', "SOAPACTION": f'"{CD}#Browse"'},
    )
    t = time.monotonic()
    raw = urllib.request.urlopen(req, timeout=30).read()
    waited = time.monotonic() - t
    # Parsed after the clock stops: the figure is the server's (time to the full
    # answer), not this client's XML parser, which would add the same for every server
    # and more for the longer answer.
    answer = ET.fromstring(raw)
    result = next(answer.iter("Result")).text or ""
    total = int(next(answer.iter("TotalMatches")).text)
    didl = ET.fromstring(result)
    return didl, total, waited, len(raw)


def find(location, n, timeout):
    control = control_url(location)
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        queue, seen = ["0"], 0
        while queue and seen < 200:
            cid = queue.pop(0)
            seen += 1
            didl, total, waited, _ = browse(control, cid, 0, 200)
            took = waited * 1000
            items = didl.findall(f"{DIDL}item")
            if total == n and len(items) > 0:
                return control, cid, took
            queue.extend(c.get("id") for c in didl.findall(f"{DIDL}container"))
        time.sleep(0.5)
    raise SystemExit(f"no container of {n} children within {timeout} s")


def full(control, cid, n):
    """Pages through the container: the seconds spent waiting for answers, and their bytes."""
    got, start, waited, size = 0, 0, 0.0, 0
    while got < n:
        didl, _, took, length = browse(control, cid, start, n - got)
        waited += took
        size += length
        page = len(didl.findall(f"{DIDL}item")) + len(didl.findall(f"{DIDL}container"))
        if page == 0:
            raise SystemExit(f"the server stopped after {got} of {n}")
        got += page
        start += page
    return waited, size


def main():
    cmd = sys.argv[1]
    if cmd == "discover":
        seconds, location = discover(sys.argv[2], float(sys.argv[3]))
        print(json.dumps({"seconds": seconds, "location": location}))
    elif cmd == "find":
        control, cid, took = find(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        print(json.dumps({"control": control, "id": cid, "first_ms": took}))
    elif cmd == "browse":
        control, cid, n, calls = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        full(control, cid, n)  # warm
        times, size = [], 0
        for _ in range(calls):
            waited, size = full(control, cid, n)
            times.append(waited * 1000)
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(json.dumps({"p50_ms": statistics.median(times), "p99_ms": p99, "bytes": size}))


if __name__ == "__main__":
    main()
