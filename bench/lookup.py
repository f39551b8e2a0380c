"""Lookup service over HTTP: a large PDQ bank served by ``vigil serve``, asked by other processes.

Makes a ThreatExchange PDQ text file of random 256-bit hashes (cached under ``bench/out``),
imports it with the installed ``vigil bank import`` into a fresh SQLite database, gives a
user of the local agency an API token with the lookup scope, starts ``vigil serve`` on
127.0.0.1 and measures from separate client processes:

- single lookups per second (``GET /api/lookup``, a known hash picked at random each time),
  p50 / p99 latency, and the server's CPU time a request;
- batch hashes per second (``POST /api/lookup``, 1,000 hashes a request) and the server's
  CPU time a batch;
- the server's resident memory (each worker process's, with ``--workers``);
- the time from ``vigil bank import`` of a new 10,000-entry file returning to its hashes
  answering (polled every 50 ms).

    .venv/bin/python bench/lookup.py [--entries 1000000] [--seconds 10] [--workers 1]
                                     [--batch 1000] [--connections 8] [--clients 4]
                                     [--batch-connections 4] [--batch-clients 2]
                                     [--single-client wrk|httpx] [--batch-client wrk|httpx]
                                     [--server-cpus 0] [--client-cpus 1]

Lookups are driven by ``wrk`` (``apt-get install wrk``) when it is installed: one thread,
``bench/lookup_wrk.lua`` picking the hashes (singles: ``--connections`` connections; batches:
``--batch-connections``, from 64 bodies of random known hashes made up front), for
``--seconds`` rounded to whole seconds. Python clients take much of the CPU the server needs
on a small machine, so the rate they see says as much about them as about the server. Without
wrk (or with ``--single-client httpx`` / ``--batch-client httpx``) httpx processes ask
instead (``--clients`` / ``--batch-clients``, one connection each; they do not parse the
answers). Any answer other than 200 makes the bench fail. uvicorn's workers share one
listening socket, so connections may not be spread evenly over them: the server's CPU time
is printed per worker too.

``--server-cpus`` and ``--client-cpus`` pin the server (all its workers) and the clients
(wrk too) to those CPUs (``taskset``'s list syntax: ``0``, ``0,1``, ``0-3``), so that on a
small machine the clients' own CPU time does not come out of the server's.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import httpx2 as httpx
import numpy as np

BENCH = Path(__file__).resolve().parent
VIGIL = Path(sys.executable).with_name("vigil")
PASSWORD = "a long passphrase for measuring 1"
WRK = "/usr/bin/wrk"
# One thread keeps up with the server's rate on a few connections and takes one core at most.
WRK_THREADS = 1
# wrk writes a latency with the unit that keeps its number small.
WRK_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _te_file(path: Path, count: int, seed: int) -> Path:
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    with path.open("w") as out:
        for start in range(0, count, 100_000):
            block = rng.integers(0, 256, size=(min(100_000, count - start), 32), dtype=np.uint8)
            out.writelines(f"{row.tobytes().hex()},100\n" for row in block)
    return path


def _hashes(path: Path, count: int) -> list[str]:
    with path.open() as lines:
        return [next(lines).split(",")[0] for _ in range(count)]


def _vigil(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(VIGIL), *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _token(env: dict[str, str]) -> str:
    code = (
        "from vigil.config import load_settings\n"
        "from vigil.store.db import Store\n"
        "from vigil.sharing.accounts import create_user\n"
        "from vigil.sharing.tokens import create_token\n"
        "from vigil.store.repo import default_agency\n"
        "from vigil.store.models import Role, Scope, utcnow\n"
        "store = Store(load_settings())\n"
        "with store.session() as s:\n"
        "    u = create_user(s, default_agency(s), 'bench', 'Bench', [Role.VIEWER],\n"
        f"                    {PASSWORD!r})\n"
        "    print(create_token(s, u, 'bench', [Scope.LOOKUP], utcnow()).secret)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, check=False, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _family(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's worker processes), the oldest first."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            found += _family(int(child))
    return found


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_text(pid: int) -> str:
    """The server's RSS: one figure, or each worker's (the supervising process apart)."""
    family = _family(pid)
    if len(family) == 1:
        return f"{_rss_mb(pid):.0f} MB"
    workers = " / ".join(f"{_rss_mb(p):.0f}" for p in family[1:])
    return f"{_rss_mb(pid):.0f} MB supervisor; workers {workers} MB"


def _wait_for_workers(pid: int, workers: int) -> None:
    """Until every worker's resident memory has stopped growing (each built its index)."""
    if workers == 1:
        return
    before = -1.0
    while True:
        now = sum(_rss_mb(p) for p in _family(pid))
        if len(_family(pid)) > workers and abs(now - before) < 1:
            return
        before = now
        time.sleep(1)


def _worker_cpu(pid: int) -> dict[int, float]:
    """User and system CPU seconds so far of process ``pid`` and of each of its descendants."""
    used = {}
    for member in _family(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        used[member] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def _cpu_list(text: str) -> set[int]:
    """CPUs written as taskset writes them: ``0``, ``0,1``, ``0-3``, ``0,2-3``."""
    cpus: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def _pin(cpus: set[int] | None) -> None:
    if cpus is not None:
        os.sched_setaffinity(0, cpus)


Mode = Literal["single", "batch"]


@dataclass(frozen=True)
class Load:
    """What one run of the clients measured."""

    requests: int
    hashes_per_second: float
    p50_ms: float
    p99_ms: float


def _client(args: tuple[str, str, Mode, list[str], int, float]) -> tuple[int, list[float]]:
    """One client process: asks until ``seconds`` pass; returns hashes asked and latencies."""
    base, token, mode, hashes, batch, seconds = args
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    asked = 0
    rng = np.random.default_rng(os.getpid())
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            if mode == "single":
                value = hashes[int(rng.integers(len(hashes)))]
                response = client.get("/api/lookup", params={"signal_type": "pdq", "hash": value})
                asked += 1
            else:
                picked = [hashes[int(i)] for i in rng.integers(len(hashes), size=batch)]
                response = client.post("/api/lookup", json={"signal_type": "pdq", "hashes": picked})
                asked += batch
            # The status only: parsing the answer would add the client's cost to the rate.
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)
    return asked, latencies


def _measure_httpx(
    base: str,
    token: str,
    mode: Mode,
    hashes: list[str],
    clients: int,
    batch: int,
    seconds: float,
    cpus: set[int] | None,
) -> Load:
    """``clients`` httpx processes asking at once for ``seconds``."""
    jobs = [(base, token, mode, hashes, batch, seconds)] * clients
    with mp.get_context("spawn").Pool(clients, initializer=_pin, initargs=(cpus,)) as pool:
        results = pool.map(_client, jobs)
    asked = sum(r[0] for r in results)
    latencies = np.array([x for r in results for x in r[1]])
    return Load(
        requests=latencies.size,
        hashes_per_second=asked / seconds,
        p50_ms=float(np.percentile(latencies, 50) * 1000),
        p99_ms=float(np.percentile(latencies, 99) * 1000),
    )


def _wrk() -> str | None:
    """The wrk program, if installed."""
    return shutil.which("wrk") or (WRK if os.access(WRK, os.X_OK) else None)


def _measure_wrk(
    wrk: str,
    base: str,
    token: str,
    hashes_file: Path,
    connections: int,
    batch: int,
    seconds: float,
    cpus: set[int] | None,
) -> Load:
    """Lookups of ``batch`` hashes a request (1: single) from wrk for ``seconds`` (whole
    seconds: wrk takes no fractions)."""
    done = subprocess.run(
        [
            wrk,
            f"--threads={WRK_THREADS}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            "--latency",
            f"--header=Authorization: Bearer {token}",
            f"--script={BENCH / 'lookup_wrk.lua'}",
            base,
            "--",
            str(hashes_file),
            str(batch),
        ],
        check=False,
        capture_output=True,
        text=True,
        preexec_fn=partial(_pin, cpus),
    )
    if done.returncode:
        raise SystemExit(f"wrk failed (exit status {done.returncode}):\n{done.stdout}{done.stderr}")
    try:
        return _wrk_load(done.stdout, batch)
    except ValueError as error:
        raise SystemExit(f"wrk: {error}; its output:\n{done.stdout}{done.stderr}") from None


def _wrk_load(output: str, batch: int) -> Load:
    """The figures of wrk's ``--latency`` report; raises ValueError if any request failed."""
    failed = re.search(r"^non-200 responses: (\d+) \(first status (\d+)\)$", output, re.M)
    if failed is None:
        raise ValueError("no count of non-200 responses (lookup_wrk.lua's done)")
    if int(failed[1]):
        raise ValueError(f"{failed[1]} answers were not 200 (the first: {failed[2]})")
    socket_errors = re.search(r"^\s*Socket errors: (.*)$", output, re.M)
    if socket_errors:
        raise ValueError(f"socket errors: {socket_errors[1]}")
    requests = re.search(r"^\s*(\d+) requests in ", output, re.M)
    rate = re.search(r"^Requests/sec:\s*([\d.]+)$", output, re.M)
    if requests is None or rate is None:
        raise ValueError("no request count or rate")
    return Load(
        requests=int(requests[1]),
        hashes_per_second=float(rate[1]) * batch,
        p50_ms=_wrk_percentile_ms(output, 50),
        p99_ms=_wrk_percentile_ms(output, 99),
    )


def _wrk_percentile_ms(output: str, percent: int) -> float:
    """A line of wrk's "Latency Distribution" (``     99%    3.52ms``) in milliseconds."""
    line = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)$", output, re.M)
    if line is None:
        raise ValueError(f"no {percent}% line in the latency distribution")
    return float(line[1]) * WRK_UNIT_MS[line[2]]


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="PDQ hashes in the bank")
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="how long single lookups, then batches, are asked (wrk: whole seconds)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="hashes a batch request")
    parser.add_argument("--workers", type=int, default=1, help="vigil serve --workers")
    for client, connections, clients, what, default_connections, default_clients in (
        ("--single-client", "--connections", "--clients", "single lookups", 8, 4),
        ("--batch-client", "--batch-connections", "--batch-clients", "batches", 4, 2),
    ):
        parser.add_argument(
            client,
            choices=["wrk", "httpx"],
            help=f"load generator for {what} (default: wrk if installed, else httpx)",
        )
        parser.add_argument(
            connections, type=int, default=default_connections, help=f"wrk's connections for {what}"
        )
        parser.add_argument(
            clients,
            type=int,
            default=default_clients,
            help=f"httpx processes for {what} without wrk",
        )
    parser.add_argument("--server-cpus", type=_cpu_list, help="pin the server to these CPUs")
    parser.add_argument("--client-cpus", type=_cpu_list, help="pin the clients to these CPUs")
    options = parser.parse_args()
    for name in ("connections", "clients", "batch_connections", "batch_clients", "batch"):
        if getattr(options, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    options.wrk = _wrk()
    for name in ("single_client", "batch_client"):
        if getattr(options, name) is None:
            setattr(options, name, "wrk" if options.wrk else "httpx")
        if getattr(options, name) == "wrk" and options.wrk is None:
            parser.error(
                f"--{name.replace('_', '-')} wrk: no wrk on PATH or at {WRK} (apt-get install wrk)"
            )
    return options


def _asking(options: argparse.Namespace, mode: Mode) -> tuple[str, int, int]:
    """The load generator for ``mode``, its wrk connections and its httpx processes."""
    if mode == "single":
        return options.single_client, options.connections, options.clients
    return options.batch_client, options.batch_connections, options.batch_clients


def _load(
    options: argparse.Namespace,
    mode: Mode,
    base: str,
    token: str,
    known: list[str],
    hashes_file: Path,
) -> Load:
    """Single lookups or batches from the client the options name."""
    client, connections, clients = _asking(options, mode)
    batch = 1 if mode == "single" else options.batch
    if client == "wrk":
        return _measure_wrk(
            options.wrk,
            base,
            token,
            hashes_file,
            connections,
            batch,
            options.seconds,
            options.client_cpus,
        )
    return _measure_httpx(
        base, token, mode, known, clients, batch, options.seconds, options.client_cpus
    )


def _client_text(options: argparse.Namespace, mode: Mode) -> str:
    client, connections, clients = _asking(options, mode)
    return f"wrk, {connections} connections" if client == "wrk" else f"{clients} httpx clients"


def _report(mode: Mode, client: str, load: Load, used: dict[int, float], batch: int) -> None:
    # On a shared machine the clients' rate depends on everyone's load; the
    # server's own CPU time per request says what one core can serve.
    cpu_ms = sum(used.values()) / load.requests * 1000
    shares = " / ".join(f"{seconds:.1f}" for seconds in used.values())
    print(
        f"{mode} ({client}): {load.hashes_per_second:,.0f} hashes/s over "
        f"{load.requests:,} requests, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms; "
        f"server CPU {cpu_ms:.2f} ms a request ({1000 / cpu_ms * batch:,.0f} hashes/s a core; "
        f"CPU seconds by process {shares})",
        flush=True,
    )


def main() -> None:
    options = _options()
    single_client = _client_text(options, "single")
    batch_client = _client_text(options, "batch")
    print(f"single lookups from {single_client}; batches from {batch_client}", flush=True)

    out_dir = BENCH / "out"
    out_dir.mkdir(exist_ok=True)
    big = _te_file(out_dir / f"lookup-{options.entries}.te-pdq.txt", options.entries, 1)
    new = _te_file(out_dir / "lookup-new-10000.te-pdq.txt", 10_000, 2)
    known = _hashes(big, 20_000)
    fresh = _hashes(new, 5)

    with tempfile.TemporaryDirectory(prefix="vigil-lookup-bench-") as data_dir:
        hashes_file = Path(data_dir) / "known-hashes.txt"
        hashes_file.write_text("".join(f"{value}\n" for value in known))
        env = {
            **os.environ,
            "VIGIL_DATA_DIR": data_dir,
            "VIGIL_LOOKUP_RATE": "1000000",
            "VIGIL_LOOKUP_BURST": "1000000",
        }
        env.pop("VIGIL_DATABASE_URL", None)
        seconds = _vigil(env, "bank", "import", str(big), "--bank", "big", "--create")
        print(f"import of {options.entries:,} entries: {seconds:.1f} s", flush=True)
        token = _token(env)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        server = subprocess.Popen(
            [str(VIGIL), "serve", "--port", str(port), "--workers", str(options.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            preexec_fn=partial(_pin, options.server_cpus),
        )
        try:
            headers = {"Authorization": f"Bearer {token}"}
            while True:
                try:
                    httpx.get(f"{base}/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            # With several workers the first to answer may not be the last to have built.
            _wait_for_workers(server.pid, options.workers)
            print(f"server up (index built) in {time.perf_counter() - started:.1f} s", flush=True)
            print(f"server RSS {_rss_text(server.pid)}", flush=True)
            check = httpx.get(
                f"{base}/api/lookup",
                params={"signal_type": "pdq", "hash": known[0]},
                headers=headers,
            ).json()
            assert check["results"][0]["match"], check
            runs: tuple[tuple[Mode, str, int], ...] = (
                ("single", single_client, 1),
                ("batch", batch_client, options.batch),
            )
            for mode, client, batch in runs:
                cpu = _worker_cpu(server.pid)
                load = _load(options, mode, base, token, known, hashes_file)
                used = {
                    pid: seconds - cpu.get(pid, 0.0)
                    for pid, seconds in _worker_cpu(server.pid).items()
                }
                _report(mode, client, load, used, batch)
            print(f"server RSS {_rss_text(server.pid)}", flush=True)
            imported = _vigil(env, "bank", "import", str(new), "--bank", "new", "--create")
            after = time.perf_counter()
            while True:
                answer = httpx.get(
                    f"{base}/api/lookup",
                    params={"signal_type": "pdq", "hash": fresh[-1]},
                    headers=headers,
                ).json()
                if answer["results"][0]["match"]:
                    break
                time.sleep(0.05)
            print(
                f"new 10,000-entry bank: import {imported:.1f} s, then answering after "
                f"{time.perf_counter() - after:.2f} s",
                flush=True,
            )
            print(f"server RSS {_rss_text(server.pid)}", flush=True)
        finally:
            server.terminate()
            server.wait(30)
    load_average = os.getloadavg()[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load_average:.1f} at the end; {options.workers} server worker(s) on CPUs "
        f"{_cpus_text(options.server_cpus)}, clients ({single_client}; {batch_client}) on "
        f"CPUs {_cpus_text(options.client_cpus)}"
    )


def _cpus_text(cpus: set[int] | None) -> str:
    return "any" if cpus is None else ",".join(map(str, sorted(cpus)))


if __name__ == "__main__":
    main()
