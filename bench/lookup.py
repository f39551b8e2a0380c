"""Lookup service over HTTP: a large PDQ bank served by ``vigil serve``, asked by other processes.

Makes a ThreatExchange PDQ text file of random 256-bit hashes (cached under ``bench/out``),
imports it with the installed ``vigil bank import`` into a fresh SQLite database, gives a
user of the local agency an API token with the lookup scope, starts ``vigil serve`` on
127.0.0.1 and measures from separate client processes (httpx, one connection each):

- single lookups per second (``GET /api/lookup``), p50 / p99 latency;
- batch hashes per second (``POST /api/lookup``, 1,000 hashes a request);
- the server's resident memory (each worker process's, with ``--workers``);
- the time from ``vigil bank import`` of a new 10,000-entry file returning to its hashes
  answering (polled every 50 ms).

    .venv/bin/python bench/lookup.py [--entries 1000000] [--clients 4] [--seconds 10]
                                     [--workers 1] [--server-cpus 0] [--client-cpus 1]

``--server-cpus`` and ``--client-cpus`` pin the server (all its workers) and the clients to
those CPUs (``taskset``'s list syntax: ``0``, ``0,1``, ``0-3``), so that on a small machine
the clients' own CPU time does not come out of the server's.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import httpx2 as httpx
import numpy as np

BENCH = Path(__file__).resolve().parent
VIGIL = Path(sys.executable).with_name("vigil")
PASSWORD = "a long passphrase for measuring 1"


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


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of process ``pid`` and its descendants so far."""
    total = 0
    for member in _family(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


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


def _client(args: tuple[str, str, str, list[str], int, float]) -> tuple[int, list[float]]:
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
            response.raise_for_status()
            latencies.append(time.perf_counter() - started)
    return asked, latencies


def _measure(
    base: str,
    token: str,
    mode: str,
    hashes: list[str],
    clients: int,
    batch: int,
    seconds: float,
    cpus: set[int] | None,
) -> dict[str, float]:
    jobs = [(base, token, mode, hashes, batch, seconds)] * clients
    started = time.perf_counter()
    with mp.get_context("spawn").Pool(clients, initializer=_pin, initargs=(cpus,)) as pool:
        results = pool.map(_client, jobs)
    wall = time.perf_counter() - started - 0.0
    asked = sum(r[0] for r in results)
    latencies = np.array([x for r in results for x in r[1]])
    return {
        "requests": float(latencies.size),
        "per_second": asked / seconds,
        "p50_ms": float(np.percentile(latencies, 50) * 1000),
        "p99_ms": float(np.percentile(latencies, 99) * 1000),
        "wall": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="vigil serve --workers")
    parser.add_argument("--server-cpus", type=_cpu_list, help="pin the server to these CPUs")
    parser.add_argument("--client-cpus", type=_cpu_list, help="pin the clients to these CPUs")
    options = parser.parse_args()

    out_dir = BENCH / "out"
    out_dir.mkdir(exist_ok=True)
    big = _te_file(out_dir / f"lookup-{options.entries}.te-pdq.txt", options.entries, 1)
    new = _te_file(out_dir / "lookup-new-10000.te-pdq.txt", 10_000, 2)
    known = _hashes(big, 20_000)
    fresh = _hashes(new, 5)

    with tempfile.TemporaryDirectory(prefix="vigil-lookup-bench-") as data_dir:
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
            for mode, batch in (("single", 1), ("batch", options.batch)):
                cpu = _cpu_seconds(server.pid)
                figures = _measure(
                    base,
                    token,
                    mode,
                    known,
                    options.clients,
                    batch,
                    options.seconds,
                    options.client_cpus,
                )
                # On a shared machine the clients' rate depends on everyone's load; the
                # server's own CPU time per request says what one core can serve.
                cpu_ms = (_cpu_seconds(server.pid) - cpu) / figures["requests"] * 1000
                print(
                    f"{mode}: {figures['per_second']:,.0f} hashes/s over "
                    f"{figures['requests']:,.0f} requests, p50 {figures['p50_ms']:.1f} ms, "
                    f"p99 {figures['p99_ms']:.1f} ms; server CPU {cpu_ms:.2f} ms a request "
                    f"({1000 / cpu_ms * batch:,.0f} hashes/s a core)",
                    flush=True,
                )
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
    load = os.getloadavg()[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load:.1f} at the end; {options.workers} server worker(s) on CPUs "
        f"{_cpus_text(options.server_cpus)}, {options.clients} clients on CPUs "
        f"{_cpus_text(options.client_cpus)}"
    )


def _cpus_text(cpus: set[int] | None) -> str:
    return "any" if cpus is None else ",".join(map(str, sorted(cpus)))


if __name__ == "__main__":
    main()
