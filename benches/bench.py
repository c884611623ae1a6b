#!/usr/bin/env python3
"""Reproducible benchmark of crm-connector-mock against a bare actix-web baseline.

In ONE run, under the same load settings (wrk on loopback), it measures this
server and `examples/baseline.rs` (which answers the same requests with the
very bytes the mock sent: status, headers and body) on: the success path of
each operation, a simulated error path (429) and a delayed path. It reports requests per second, p50 and p99 latency, errors,
idle and peak RSS, start-up time to the first successful response, the ratios
to the baseline, a plain request's latency while 1,000 delayed requests wait,
and RSS across a sustained mixed run with the journal and metrics on.

    python3 benches/bench.py                  # full run (about 8 minutes)
    python3 benches/bench.py --quick          # smoke run (seconds), used by CI
    python3 benches/bench.py --compare OTHER  # A/B: this build against another build's binary
    python3 benches/bench.py --proxy          # proxy mode: added latency and throughput
    python3 benches/bench.py --tls            # HTTPS and h2 against plain HTTP
    python3 benches/bench.py --dashboards     # the live stream's cost: 0, 1, 10 and a stalled reader

`--compare` answers "does this optimization still pay?": it alternates rounds
between this build and OTHER (both the mock, same flags) on the three
throughput paths and reports this build's ratio to OTHER per path.

Timings are reported, never asserted; `--check` prints which targets of the
performance issue hold and exits 1 if any does not. Everything runs on
127.0.0.1 with bounded durations. Needs wrk (apt-get install wrk).
"""

import argparse
import json
import os
import re
import resource
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
MOCK = os.path.join(TARGET, "release", "crm-connector-mock")
BASELINE = os.path.join(TARGET, "release", "examples", "baseline")

# name, mock path+query, mock headers, expected mock status, baseline delay ms
PATHS = [
    ("activities 200", "/api/related-activities?recordType=opportunity&recordId=BENCH-1", {}, 200, 0),
    ("records 200", "/api/related-records?recordType=account&recordId=BENCH-2", {}, 200, 0),
    ("simulated 429", "/api/related-records?recordType=account&recordId=BENCH-3", {"X-Simulate-Error": "429"}, 429, 0),
    ("delayed 20 ms", "/api/related-activities?recordType=account&recordId=BENCH-4", {"X-Simulate-Delay": "20"}, 200, 20),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def get(url, headers=None, timeout=10, with_headers=False):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            got = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        got = error.code, error.read(), error.headers
    return got if with_headers else got[:2]


# Response headers actix writes itself; the baseline's actix writes them too.
OWN_HEADERS = {"content-length", "content-type", "date", "connection"}


def start(argv, port):
    """Starts a server; returns (process, ms to the first 200 on /health)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = started + 10
    while time.perf_counter() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                pass
            if get(f"http://127.0.0.1:{port}/health", timeout=1)[0] == 200:
                return process, (time.perf_counter() - started) * 1000
        except OSError:
            time.sleep(0.001)
    process.kill()
    raise SystemExit(f"{argv[0]} did not start")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wrk(url, headers, seconds, connections, threads, script=None):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    argv += ["-s", script] if script else []
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60).stdout

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": latency("50"),
        "p99": latency("99"),
        "requests": int(total.group(1)) if total else 0,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "raw": out,
    }


def metrics_by_status(port):
    """Requests the mock answered, by (operation, status, scenario)."""
    _, text = get(f"http://127.0.0.1:{port}/metrics")
    counts = {}
    for match in re.finditer(r'crm_mock_requests_total\{operation="([^"]*)",status="(\d+)",scenario="([^"]*)"\} (\d+)', text.decode()):
        op, status, scenario, n = match.groups()
        counts[(op, int(status), scenario)] = counts.get((op, int(status), scenario), 0) + int(n)
    return counts


def plain_latency_under_delayed_load(port, delayed, plain_requests):
    """p50/max ms of plain requests while `delayed` connections wait on 3 s delays."""
    url = f"http://127.0.0.1:{port}/api/related-records?recordType=account&recordId=BENCH-2"
    load = subprocess.Popen(
        ["wrk", "-t2", f"-c{delayed}", "-d8s", "--timeout", "10s", "-H", "X-Simulate-Delay: 3000", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.5)
    samples = []
    for _ in range(plain_requests):
        t = time.perf_counter()
        get(url)
        samples.append((time.perf_counter() - t) * 1000)
    load.wait(timeout=30)
    return statistics.median(samples), max(samples)


def soak(port, seconds, connections):
    """Mixed load for `seconds`; RSS sampled every 5 s."""
    script = os.path.join(ROOT, "benches", "mixed.lua")
    url = f"http://127.0.0.1:{port}"
    load = subprocess.Popen(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script, url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return load


def rounds_of(url_a, url_b, headers, args):
    """Alternating rounds of A then B, as (ratio, a, b), sorted by ratio.

    Both servers get the same warm-up first (caches, journal rings and
    allocator arenas fill), so the rounds compare steady states. Each round's
    ratio compares two runs seconds apart, so a slow spell of a shared
    (virtual) machine hits both sides of a ratio; report the median round.
    """
    if args.warmup:
        wrk(url_a, headers, args.warmup, args.connections, 2)
        wrk(url_b, headers, args.warmup, args.connections, 2)
    rounds = []
    for _ in range(args.rounds):
        a = wrk(url_a, headers, args.seconds, args.connections, 2)
        b = wrk(url_b, headers, args.seconds, args.connections, 2)
        rounds.append((a["rps"] / b["rps"] if b["rps"] else 0.0, a, b))
    rounds.sort(key=lambda r: r[0])
    return rounds


def compare(args, workers, clock):
    """This build against another build of the mock, same flags, same paths."""
    this_port, other_port = free_port(), free_port()
    flags = ["--workers", workers, "--clock", clock]
    this, _ = start([args.this, "--port", str(this_port)] + flags, this_port)
    other, _ = start([args.compare, "--port", str(other_port)] + flags, other_port)
    print(f"\n# A/B: {args.this} (this) against {args.compare} (other), {os.cpu_count()} cores, "
          f"wrk -t2 -c{args.connections}, {args.rounds} alternating rounds of {args.seconds} s\n")
    print("| path | this req/s | other req/s | ratio (rounds' range) | this p99 ms | other p99 ms |")
    print("|---|---|---|---|---|---|")
    try:
        for name, path, headers, status, delay in PATHS:
            if delay:
                continue
            rounds = rounds_of(f"http://127.0.0.1:{this_port}{path}", f"http://127.0.0.1:{other_port}{path}", headers, args)
            ratio, a, b = rounds[len(rounds) // 2]
            lo, hi = rounds[0][0], rounds[-1][0]
            print(f"| {name} | {a['rps']:.0f} | {b['rps']:.0f} | {ratio:.2f} ({lo:.2f}-{hi:.2f}) | {a['p99']:.2f} | {b['p99']:.2f} |")
    finally:
        stop(this)
        stop(other)
    return 0


def proxy(args, clock):
    """Proxy mode: this server as the upstream of another one (`--upstream`),
    against the upstream alone. One worker each, so the proxy and its
    upstream share the two cores with wrk; throughput at 64 connections in
    alternating rounds, added latency from a single connection (at 64 the
    latency is queueing, not the proxy's cost)."""
    up_port, proxy_port = free_port(), free_port()
    upstream, _ = start([MOCK, "--port", str(up_port), "--workers", "1", "--clock", clock], up_port)
    front, _ = start([MOCK, "--port", str(proxy_port), "--workers", "1", "--clock", clock,
                      "--upstream", f"http://127.0.0.1:{up_port}"], proxy_port)
    print(f"\n# proxy mode: the mock in front of the mock ({os.cpu_count()} cores, one worker each, "
          f"wrk -t2 -c{args.connections}, {args.rounds} alternating rounds of {args.seconds} s; "
          f"latency from wrk -t1 -c1 for {args.seconds} s)\n")
    print("| path | upstream alone req/s | through the proxy req/s | ratio (rounds' range) | alone p50 / p99 ms (1 conn) | proxied p50 / p99 ms (1 conn) | added p50 ms |")
    print("|---|---|---|---|---|---|---|")
    held = True
    try:
        for name, path, headers, status, delay in PATHS:
            if delay or status != 200:
                continue
            direct_url = f"http://127.0.0.1:{up_port}{path}"
            proxy_url = f"http://127.0.0.1:{proxy_port}{path}"
            got, body = get(proxy_url, headers)
            assert got == 200 and body == get(direct_url, headers)[1], (name, got)
            rounds = rounds_of(proxy_url, direct_url, headers, args)
            ratio, p, d = rounds[len(rounds) // 2]
            lo, hi = rounds[0][0], rounds[-1][0]
            alone = wrk(direct_url, headers, args.seconds, 1, 1)
            proxied = wrk(proxy_url, headers, args.seconds, 1, 1)
            added = proxied["p50"] - alone["p50"]
            errors = p["non2xx"] + p["socket_errors"] + proxied["non2xx"] + proxied["socket_errors"]
            held &= ratio >= 0.5 and added <= 0.5 and errors == 0
            print(f"| {name} | {d['rps']:.0f} | {p['rps']:.0f} | {ratio:.2f} ({lo:.2f}-{hi:.2f}) | "
                  f"{alone['p50']:.3f} / {alone['p99']:.3f} | {proxied['p50']:.3f} / {proxied['p99']:.3f} | {added:.3f} |")
        forwarded = get(f"http://127.0.0.1:{proxy_port}/__admin/proxy")[1].decode()
        print(f"\nproxy state afterwards: {forwarded}")
    finally:
        stop(front)
        stop(upstream)
    print(f"\ntargets (added p50 <= 0.5 ms, throughput >= 50% of the upstream alone, no errors): {'hold' if held else 'DO NOT hold'}")
    return 0 if held or not args.check else 1


def h2load(url, seconds, connections, h1=False, streams=1):
    """h2load (nghttp2-client) for `seconds` after a 1 s warm-up, `streams`
    requests at a time per connection (1 as keep-alive HTTP/1.1 has); requests
    per second and p99 from its per-request log."""
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        argv = ["h2load", "-t2", f"-c{connections}", f"-m{streams}", f"-D{seconds}", "--warm-up-time=1", f"--log-file={log.name}"]
        out = subprocess.run(argv + (["--h1"] if h1 else []) + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
        # Each line: start time (µs), status, duration (µs).
        rows = [line.split("\t") for line in log.read().splitlines() if line.count("\t") >= 2]
    durations = sorted(int(r[2]) / 1000 for r in rows if r[1] == "200")
    rps = re.search(r"finished in [\d.]+\w*, ([\d.]+) req/s", out)
    # h2load's own summary: failed and errored requests, and non-2xx answers.
    failed = re.search(r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    codes = re.search(r"status codes: \d+ 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p99": durations[int(len(durations) * 0.99)] if durations else float("nan"),
        "errors": (sum(map(int, failed.groups())) if failed else 1) + (sum(map(int, codes.groups())) if codes else 1),
        "protocol": re.search(r"Application protocol: (\S+)", out).group(1) if "Application protocol" in out else "?",
    }


def handshake_ms(port, ca, count):
    """Median wall time of a new connection, one at a time: TCP connect, and
    TCP connect plus the TLS handshake (Python's ssl, trusting only ca)."""
    context = ssl.create_default_context(cafile=ca)
    tcp, tls = [], []
    for _ in range(count):
        t0 = time.perf_counter()
        with socket.create_connection(("127.0.0.1", port)) as raw:
            t1 = time.perf_counter()
            with context.wrap_socket(raw, server_hostname="localhost"):
                t2 = time.perf_counter()
        tcp.append((t1 - t0) * 1000)
        tls.append((t2 - t0) * 1000)
    return statistics.median(tcp), statistics.median(tls)


def tls(args, clock):
    """HTTPS against plain HTTP, from one server serving both
    (--tls-self-signed with --http-port), so only the transport differs."""
    if not shutil.which("h2load"):
        raise SystemExit("h2load is needed for --tls: apt-get install nghttp2-client")
    tls_port, plain_port = free_port(), free_port()
    certs = tempfile.mkdtemp(prefix="crm-bench-certs-")
    server, _ = start([args.this, "--port", str(tls_port), "--http-port", str(plain_port), "--workers", "2", "--clock", clock,
                       "--tls-self-signed", certs], plain_port)
    ca = os.path.join(certs, "ca.pem")
    name, path, headers, _, _ = PATHS[1]
    plain_url, tls_url = f"http://127.0.0.1:{plain_port}{path}", f"https://localhost:{tls_port}{path}"
    print(f"\n# HTTPS against plain HTTP: {name}, one server, 2 workers ({os.cpu_count()} cores, "
          f"{args.connections} keep-alive connections, {args.rounds} alternating rounds of {args.seconds} s; "
          "TLS 1.3, ECDSA P-256 from --tls-self-signed)\n")
    print("| client, transport | plain req/s | TLS req/s | ratio (rounds' range) | plain p99 ms | TLS p99 ms | p99 ratio | errors |")
    print("|---|---|---|---|---|---|---|---|")
    held = True
    try:
        rows = []
        rounds = rounds_of(tls_url, plain_url, headers, args)
        ratio, t, p = rounds[len(rounds) // 2]
        errors = sum(r[i]["non2xx"] + r[i]["socket_errors"] for r in rounds for i in (1, 2))
        rows.append(("wrk, HTTP/1.1", p, t, ratio, (rounds[0][0], rounds[-1][0]), errors))
        # The last row: h2 as multiplexing clients use it, 10 streams on each
        # of 64 / 8 connections, against plain HTTP/1.1 at 64 connections.
        for label, h1, conns, streams in (("h2load, HTTP/1.1", True, args.connections, 1),
                                          ("h2load, h2", False, args.connections, 1),
                                          ("h2load, h2, 10 streams a connection", False, max(args.connections // 8, 1), 10)):
            pairs = []
            for _ in range(args.rounds):
                a = h2load(tls_url, args.seconds, conns, h1, streams)
                b = h2load(plain_url, args.seconds, args.connections, True)
                pairs.append((a["rps"] / b["rps"] if b["rps"] else 0.0, a, b))
            pairs.sort(key=lambda r: r[0])
            ratio, t, p = pairs[len(pairs) // 2]
            if not h1:
                assert t["protocol"] == "h2", t["protocol"]
            rows.append((label, p, t, ratio, (pairs[0][0], pairs[-1][0]), sum(r[1]["errors"] + r[2]["errors"] for r in pairs)))
        for label, p, t, ratio, (lo, hi), errors in rows:
            p99_ratio = t["p99"] / p["p99"] if p["p99"] else float("inf")
            held &= ratio >= 0.6 and p99_ratio <= 2.0 and errors == 0
            print(f"| {label} | {p['rps']:.0f} | {t['rps']:.0f} | {ratio:.2f} ({lo:.2f}-{hi:.2f}) | {p['p99']:.2f} | {t['p99']:.2f} | {p99_ratio:.2f} | {errors} |")
        # A new connection for every request: the handshake is then the cost.
        close = {"Connection": "close"}
        fresh_plain = wrk(plain_url, dict(headers, **close), args.seconds, args.connections, 2)
        fresh_tls = wrk(tls_url, dict(headers, **close), args.seconds, args.connections, 2)
        tcp_ms, tls_ms = handshake_ms(tls_port, ca, 50 if args.quick else 500)
        print("\n| handshake cost | plain | TLS |\n|---|---|---|")
        print(f"| req/s, a new connection per request (wrk, Connection: close) | {fresh_plain['rps']:.0f} | {fresh_tls['rps']:.0f} |")
        print(f"| one new connection, median of {50 if args.quick else 500} in a row (TCP; TCP + TLS handshake, Python ssl) | {tcp_ms:.3f} ms | {tls_ms:.3f} ms |")
    finally:
        stop(server)
        shutil.rmtree(certs, ignore_errors=True)
    print(f"\ntargets (keep-alive TLS throughput >= 60% of plain, p99 <= 2x plain, no errors): {'hold' if held else 'DO NOT hold'}")
class StreamReader(threading.Thread):
    """One dashboard: `GET /__admin/requests/stream` read and thrown away, or,
    `stalled`, connected (the response head read) and then never read again,
    so the server's send buffer to it fills and stays full."""

    def __init__(self, port, stalled=False):
        super().__init__(daemon=True)
        self.stalled, self.bytes, self.done = stalled, 0, threading.Event()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(b"GET /__admin/requests/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Accept: text/event-stream\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise SystemExit("the stream closed before its response head")
            head += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"the stream answered {head.splitlines()[0]!r}")
        self.bytes = len(head)

    def run(self):
        if self.stalled:
            self.done.wait()
            return
        # One large buffer, few system calls: the reader should cost the
        # machine as little as a browser tab does, so what is measured is the
        # server's side of the stream.
        buffer = bytearray(1 << 20)
        self.sock.settimeout(0.5)
        while not self.done.is_set():
            try:
                n = self.sock.recv_into(buffer)
            except socket.timeout:
                continue
            except OSError:
                break
            if n == 0:
                break
            self.bytes += n

    def close(self):
        self.done.set()
        self.join(timeout=5)
        self.sock.close()


def dashboards(args, workers, clock):
    """The live stream's cost on the request path: the default mode's
    throughput paths as one mix (wrk rotating through them), with 0, 1 and
    10 connected stream readers and with one stalled reader. Alternating
    rounds (the order rotates each round); each round's ratio is against
    that round's 0-reader run, and the median round is shown."""
    port = free_port()
    server, _ = start([args.this, "--port", str(port), "--workers", workers, "--clock", clock], port)
    mix = [(path, headers) for _, path, headers, _, delay in PATHS if not delay]
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="crm-bench-dashboards-", delete=False)
    with script:
        script.write("-- written by benches/bench.py --dashboards: the default mode's paths in rotation\nlocal mix = {\n")
        for path, headers in mix:
            fields = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
            script.write(f"  {{{json.dumps(path)}, {{{fields}}}}},\n")
        script.write("}\nlocal n = 0\nrequest = function()\n  n = n + 1\n  local r = mix[(n % #mix) + 1]\n"
                     "  return wrk.format(\"GET\", r[1], r[2])\nend\n")
    configs = [("0 readers", 0, False), ("1 reader", 1, False), ("10 readers", 10, False), ("1 stalled reader", 1, True)]
    url = f"http://127.0.0.1:{port}"

    def cpu_seconds():
        """(the mock's CPU time, this process's: the readers') in seconds."""
        with open(f"/proc/{server.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        own = resource.getrusage(resource.RUSAGE_SELF)
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), own.ru_utime + own.ru_stime

    def run(readers, stalled, seconds):
        """One wrk run with `readers` connected for all of it; (result, bytes each reader read)."""
        connected = [StreamReader(port, stalled) for _ in range(readers)]
        for reader in connected:
            reader.start()
        time.sleep(0.2)  # the readers are in their loops, the server's streams set up
        try:
            mock_before, own_before = cpu_seconds()
            result = wrk(url, {}, seconds, args.connections, 2, script=script.name)
            mock_after, own_after = cpu_seconds()
        finally:
            for reader in connected:
                reader.close()
        # Where the time went: the mock's CPU per request tells its cost from
        # the readers' (this process), which share the same cores.
        result["mock_us"] = (mock_after - mock_before) * 1e6 / result["requests"] if result["requests"] else 0.0
        result["readers_cpu"] = own_after - own_before
        return result, [r.bytes for r in connected]

    print(f"\n# the live stream's cost ({os.cpu_count()} cores, mock {workers} workers, wrk -t2 -c{args.connections} "
          f"over {', '.join(name for name, *_ in PATHS if 'delayed' not in name)} in rotation, {args.rounds} rounds of "
          f"{args.seconds} s after {args.warmup} s warm-up, the order rotating; readers in this process, median round shown)\n")
    results = {name: [] for name, *_ in configs}
    try:
        if args.warmup:
            run(0, False, args.warmup)
        for r in range(args.rounds):
            order = configs[r % len(configs):] + configs[:r % len(configs)]
            got = {name: run(readers, stalled, args.seconds) for name, readers, stalled in order}
            for name, _, _ in configs:
                base = got["0 readers"][0]["rps"]
                results[name].append((got[name][0]["rps"] / base if base else 0.0, got[name][0], got[name][1]))
        healthy = get(f"{url}/health")[0] == 200
    finally:
        stop(server)
        os.unlink(script.name)
    print("| stream readers | req/s | ratio to 0 readers (rounds' range) | p50 ms | p99 ms | p99 ratio | mock CPU µs/request "
          "| readers' CPU s | MiB read per reader | socket errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    none_p99 = sorted(results["0 readers"], key=lambda x: x[1]["p99"])[len(results["0 readers"]) // 2][1]["p99"]
    held = healthy
    for name, readers, stalled in configs:
        rounds = sorted(results[name], key=lambda x: x[0])
        ratio, w, read = rounds[len(rounds) // 2]
        errors = sum(x[1]["socket_errors"] for x in rounds)
        per_reader = f"{statistics.mean(read) / 2**20:.1f}" if read and not stalled else "-" if not read else "(stalled)"
        if readers:
            held &= ratio >= 0.95 and errors == 0
        print(f"| {name} | {w['rps']:.0f} | {ratio:.2f} ({rounds[0][0]:.2f}-{rounds[-1][0]:.2f}) | "
              f"{w['p50']:.2f} | {w['p99']:.2f} | {w['p99'] / none_p99 if none_p99 else float('nan'):.2f} | {w['mock_us']:.1f} | {w['readers_cpu']:.2f} | {per_reader} | {errors} |")
    print(f"\nhealthy afterwards: {healthy}")
    print(f"target (throughput with 1 and 10 readers and a stalled one >= 0.95 of 0 readers, no socket errors): "
          f"{'holds' if held else 'DOES NOT hold'}")
    return 0 if held or not args.check else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds per step; numbers are not meaningful")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per round, path and server")
    parser.add_argument("--rounds", type=int, default=5, help="alternating mock/baseline runs per path; the median ratio is reported")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load per path and server first")
    parser.add_argument("--soak", type=int, default=60, help="seconds of the mixed RSS run")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the issue's targets hold")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--compare", metavar="OTHER", help="another build's crm-connector-mock binary: A/B it against this build instead of the baseline")
    parser.add_argument("--proxy", action="store_true", help="proxy mode: added latency and throughput through --upstream, against the upstream alone")
    parser.add_argument("--tls", action="store_true", help="HTTPS (HTTP/1.1 and h2) against plain HTTP: keep-alive throughput, p99, handshake cost; needs h2load")
    parser.add_argument("--this", metavar="BINARY", default=MOCK, help="with --compare, --tls or --dashboards: the binary that stands for this build (default: this tree's release build)")
    parser.add_argument("--dashboards", action="store_true", help="the live stream's cost: the default paths with 0, 1, 10 and a stalled stream reader")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.soak, args.warmup, args.rounds = 2, 6, 1, 1
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked", "--bin", "crm-connector-mock", "--example", "baseline"], cwd=ROOT, check=True)

    workers = "2"
    clock = "2026-11-25T12:00:00Z"
    if args.compare:
        return compare(args, workers, clock)
    if args.proxy:
        return proxy(args, clock)
    if args.tls:
        return tls(args, clock)
    if args.dashboards:
        return dashboards(args, workers, clock)
    mock_port, base_port = free_port(), free_port()
    env_note = (
        f"{os.cpu_count()} cores, wrk -t2 -c{args.connections}, {args.rounds} alternating rounds of {args.seconds} s "
        f"after {args.warmup} s warm-up, median round shown, both servers {workers} workers"
    )

    # Start-up, idle RSS, and the bodies the baseline will serve.
    mock, mock_startup = start([MOCK, "--port", str(mock_port), "--workers", workers, "--clock", clock], mock_port)
    mock_idle = rss_kib(mock.pid)
    tmp = tempfile.mkdtemp(prefix="crm-bench-")
    routes = []
    for i, (name, path, headers, status, delay) in enumerate(PATHS):
        got, body, sent = get(f"http://127.0.0.1:{mock_port}{path}", headers, with_headers=True)
        assert got == status, (name, got)
        file, header_file = os.path.join(tmp, f"{i}.json"), os.path.join(tmp, f"{i}.headers")
        with open(file, "wb") as f:
            f.write(body)
        # The same header lines, with this response's values held constant.
        with open(header_file, "w") as f:
            for key, value in sent.items():
                if key.lower() not in OWN_HEADERS:
                    f.write(f"{key}: {value}\n")
        routes.append(f"{path}={status}:{delay}:{file}:{header_file}")
    baseline, base_startup = start([BASELINE, str(base_port), workers] + routes, base_port)
    base_idle = rss_kib(baseline.pid)

    rows = []
    before = metrics_by_status(mock_port)
    for i, (name, path, headers, status, _) in enumerate(PATHS):
        # The same request to both: path, query and headers.
        mock_url, base_url = f"http://127.0.0.1:{mock_port}{path}", f"http://127.0.0.1:{base_port}{path}"
        # The warm-up's requests count in the mock's metrics like any other.
        rounds = rounds_of(mock_url, base_url, headers, args)
        _, m, b = rounds[len(rounds) // 2]
        m = dict(m, requests=sum(r[1]["requests"] for r in rounds), non2xx=sum(r[1]["non2xx"] for r in rounds),
                 socket_errors=sum(r[1]["socket_errors"] for r in rounds), spread=(rounds[0][0], rounds[-1][0]))
        rows.append((name, status, m, b))
    after = metrics_by_status(mock_port)
    answered = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    mock_peak, base_peak = rss_kib(mock.pid, "VmHWM"), rss_kib(baseline.pid, "VmHWM")
    stop(baseline)

    # 1,000 waiting requests must not hold up a plain one.
    delayed = 1000 if not args.quick else 200
    plain_p50, plain_max = plain_latency_under_delayed_load(mock_port, delayed, 20)

    # Sustained mixed load with the journal and metrics on: RSS over time.
    load = soak(mock_port, args.soak, args.connections)
    samples = []
    t0 = time.time()
    while load.poll() is None and time.time() - t0 < args.soak + 30:
        time.sleep(5 if not args.quick else 1)
        if load.poll() is None:
            samples.append(rss_kib(mock.pid))
    soak_out = load.communicate(timeout=30)[0]
    healthy = get(f"http://127.0.0.1:{mock_port}/health")[0] == 200
    stop(mock)

    # Report.
    unexpected = sum(n for (op, st, sc), n in answered.items() if op.startswith("scp-") and st not in (200, 429))
    simulated_ok = all(
        (m["socket_errors"] == 0) and ((m["non2xx"] == 0) if status == 200 else (m["non2xx"] == m["requests"]))
        for _, status, m, _ in rows
    )
    print(f"\n# crm-connector-mock benchmark ({time.strftime('%Y-%m-%d')}, {env_note})\n")
    print("| path | mock req/s | baseline req/s | ratio (rounds' range) | mock p50 ms | mock p99 ms | baseline p99 ms | p99 ratio | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    results = []
    for name, status, m, b in rows:
        ratio = m["rps"] / b["rps"] if b["rps"] else 0
        p99_ratio = m["p99"] / b["p99"] if b["p99"] else float("inf")
        errors = m["socket_errors"] + (m["non2xx"] if status == 200 else m["requests"] - m["non2xx"])
        results.append((name, ratio, p99_ratio, errors))
        lo, hi = m["spread"]
        print(f"| {name} | {m['rps']:.0f} | {b['rps']:.0f} | {ratio:.2f} ({lo:.2f}-{hi:.2f}) | {m['p50']:.2f} | {m['p99']:.2f} | {b['p99']:.2f} | {p99_ratio:.2f} | {errors} |")
    print()
    print("| measure | mock | baseline |")
    print("|---|---|---|")
    print(f"| start-up to first 200 | {mock_startup:.1f} ms | {base_startup:.1f} ms |")
    print(f"| idle RSS | {mock_idle / 1024:.1f} MiB | {base_idle / 1024:.1f} MiB |")
    print(f"| peak RSS at {args.connections} connections | {mock_peak / 1024:.1f} MiB | {base_peak / 1024:.1f} MiB |")
    print(f"| plain request while {delayed} delayed wait | p50 {plain_p50:.1f} ms, max {plain_max:.1f} ms | |")
    # The first third is warm-up (caches and session maps fill to their bounds).
    samples = samples[len(samples) // 3 :] if len(samples) >= 3 else samples
    if samples:
        first, last, top = samples[0], samples[-1], max(samples)
        drift = (last - first) / first if first else 0
        print(f"| RSS over a {args.soak} s mixed run | {first / 1024:.1f} -> {last / 1024:.1f} MiB (max {top / 1024:.1f}, drift {drift:+.1%}) | |")
    else:
        drift, top = 0.0, 0
    print(f"| unexpected statuses from the mock | {unexpected} | |")
    print(f"| healthy after the runs | {healthy} | |")
    match = re.search(r"Requests/sec:\s+([\d.]+)", soak_out or "")
    if match:
        print(f"| mixed run throughput | {float(match.group(1)):.0f} req/s | |")

    checks = [
        ("success and error paths >= 85% of baseline throughput", all(r >= 0.85 for n, r, _, _ in results if "delayed" not in n)),
        ("p99 <= 2x baseline", all(p <= 2.0 for _, _, p, _ in results)),
        ("zero non-simulated errors", all(e == 0 for _, _, _, e in results) and simulated_ok and unexpected == 0),
        ("start-up to first 200 <= 50 ms", mock_startup <= 50),
        ("idle RSS <= 10 MB", mock_idle / 1024 <= 10),
        ("peak RSS <= 40 MB", mock_peak / 1024 <= 40),
        ("RSS flat within 10% over the mixed run", abs(drift) <= 0.10),
        ("healthy afterwards", healthy),
    ]
    print("\n| target | holds |\n|---|---|")
    for label, ok in checks:
        print(f"| {label} | {'yes' if ok else 'NO'} |")
    shutil.rmtree(tmp, ignore_errors=True)
    if args.check and not all(ok for _, ok in checks):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
