"""Bank import speed and memory: a 1,000,000-entry VICS file and a 1,000,000-line hash list.

Each file is made once (random hashes, cached under ``bench/out``) and imported with the
installed ``vigil bank import`` command into a fresh database — the embedded SQLite file, and
PostgreSQL when ``--postgres URL`` is given. Reported: wall time, entries per second and the
command's peak resident memory, which shows whether the import streams (it must not grow
with the file).

    .venv/bin/python bench/bank_import.py [--entries 1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from vigil.banks.formats import KnownHash, ListHeader, write_hashes

BENCH = Path(__file__).resolve().parent
VIGIL = Path(sys.executable).with_name("vigil")


def _random_entries(count: int, seed: int) -> Iterator[KnownHash]:
    rng = np.random.default_rng(seed)
    for start in range(0, count, 10_000):
        block = rng.integers(
            0, 256, size=(min(10_000, count - start), 16 + 20 + 32), dtype=np.uint8
        )
        for i, row in enumerate(block):
            n = start + i
            yield KnownHash(
                md5=row[:16].tobytes().hex(),
                sha1=row[16:36].tobytes().hex(),
                pdq=row[36:].tobytes().hex(),
                pdq_quality=100,
                category=str(n % 5),
                series=f"Series {n % 1000}" if n % 7 == 0 else None,
                victim_identified=bool(n % 2) if n % 7 == 0 else None,
                metadata={"MediaID": str(n)},
            )


def _hashlist_lines(count: int, seed: int) -> Iterator[str]:
    rng = np.random.default_rng(seed)
    for start in range(0, count, 10_000):
        for row in rng.integers(0, 256, size=(min(10_000, count - start), 16), dtype=np.uint8):
            yield row.tobytes().hex() + "\n"


def make_files(out: Path, count: int) -> dict[str, Path]:
    """The benchmark's input files, made unless cached."""
    out.mkdir(parents=True, exist_ok=True)
    vics = out / f"bank-vics-{count}.json"
    hashlist = out / f"bank-hashlist-{count}.txt"
    if not vics.exists():
        partial = vics.with_suffix(".partial")
        with partial.open("wb") as handle:
            write_hashes(_random_entries(count, 1), "vics", handle, ListHeader(None, None, None))
        partial.rename(vics)
    if not hashlist.exists():
        partial = hashlist.with_suffix(".partial")
        with partial.open("w", encoding="utf-8") as handle:
            handle.writelines(_hashlist_lines(count, 2))
        partial.rename(hashlist)
    return {"vics": vics, "hashlist": hashlist}


def _import(path: Path, env: dict[str, str], data_dir: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one ``vigil bank import --create`` run."""
    command = [
        str(VIGIL),
        "bank",
        "import",
        str(path),
        "--bank",
        "bench",
        "--create",
        "--data-dir",
        str(data_dir),
    ]
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        # wait4 gives this child's own peak memory, not the largest of all children so far.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"import of {path} failed:\n{errors.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000, help="entries per file")
    parser.add_argument("--postgres", help="also import into a scratch database on this server")
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="cache of input files")
    args = parser.parse_args()
    files = make_files(args.out, args.entries)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(
        f"{args.entries:,} entries; VICS {files['vics'].stat().st_size / 1e6:,.0f} MB, "
        f"hash list {files['hashlist'].stat().st_size / 1e6:,.0f} MB"
    )
    print("| database | file | seconds | entries / s | peak RSS (MB) |")
    print("| --- | --- | ---: | ---: | ---: |")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    for fmt in ("hashlist", "vics"):
        with tempfile.TemporaryDirectory(dir=args.out) as scratch:
            seconds, peak = _import(files[fmt], env, Path(scratch))
        print(f"| SQLite | {fmt} | {seconds:.1f} | {args.entries / seconds:,.0f} | {peak:,.0f} |")
    if args.postgres:
        admin = create_engine(make_url(args.postgres), isolation_level="AUTOCOMMIT")
        for fmt in ("hashlist", "vics"):
            name = f"vigil_bench_{secrets.token_hex(4)}"
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {name}"))
            try:
                url = make_url(args.postgres).set(database=name)
                pg_env = env | {"VIGIL_DATABASE_URL": url.render_as_string(hide_password=False)}
                with tempfile.TemporaryDirectory(dir=args.out) as scratch:
                    seconds, peak = _import(files[fmt], pg_env, Path(scratch))
                print(
                    f"| PostgreSQL | {fmt} | {seconds:.1f} | {args.entries / seconds:,.0f} "
                    f"| {peak:,.0f} |"
                )
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


if __name__ == "__main__":
    main()
