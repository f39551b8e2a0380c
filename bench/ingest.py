"""Ingest throughput: `vigil ingest` against Meta's threatexchange and against the floor.

Builds two photo sets (phone-size 4032x3024 JPEGs of 2-4 MB and 1024x768 JPEGs, see
``_photos.py``) and measures, on the same files and at equal cores, files per second of:

* the **floor**: the work no pipeline can skip. Read each file, its SHA-256, SHA-1 and MD5,
  and a draft decode (JPEG entropy decoding cannot be skipped), nothing else. The draft is
  the one Vigil's fast PDQ path asks for, ``draft("L", (256, 256))``; the same decode in RGB
  is shown beside it.
* **threatexchange**: Meta's library hashing the files as HMA does, ``PdqSignal`` (PDQ of the
  full-resolution photo) plus its MD5 signal, from its own virtual environment.
* **vigil ingest**: the installed command end to end in a subprocess with a fresh data
  directory: start-up, walking, hashing, metadata, database writes and summary.

"1 core" pins everything to CPU 0 with ``taskset``; "all cores" gives threatexchange and the
floor a process pool as large as Vigil's ``--workers``. Files are in the page cache: each
measurement follows a warm-up run (for threatexchange, on the first files only). Vigil's fixed
cost is measured apart (an empty folder; a folder of one file per worker, which also starts
the workers), and its steady rate is ``(N - w) / (T(N) - T(w))``: what a large seizure sees.

Run from the repository root with the project's interpreter:

    .venv/bin/python bench/ingest.py [--photos 60] [--small 200] [--skip-threatexchange]

The script also serves as its own hashing worker (``ingest.py hash ...``), run by the
threatexchange environment's interpreter: so that it can, the top level imports only the
standard library.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
THREATEXCHANGE_VERSION = "1.2.17"
# The draft Vigil's fast PDQ path requests (vigil.signals.pdq.FAST_DRAFT_SIDE): libjpeg picks
# the largest 1/2..1/8 reduction that keeps both sides at least this long.
DRAFT_SIDE = 256
# Files threatexchange hashes to warm up: a full warm-up run would cost minutes.
THREATEXCHANGE_WARMUP_FILES = 8
# The target: Vigil's steady rate at least this share of the floor's.
TARGET_SHARE = 0.85


# ---- the hashing worker (runs in either environment: standard library at the top level) ----


def _floor(mode: str, path: str) -> int:
    """The unavoidable work on one file: read, three digests, draft decode."""
    from PIL import Image

    with open(path, "rb") as handle:
        data = handle.read()
    hashlib.sha256(data).hexdigest()
    hashlib.sha1(data, usedforsecurity=False).hexdigest()
    hashlib.md5(data, usedforsecurity=False).hexdigest()
    with Image.open(io.BytesIO(data)) as image:
        image.draft(mode, (DRAFT_SIDE, DRAFT_SIDE))
        image.load()
        return image.width


@functools.cache
def _threatexchange_signals() -> tuple[object, object]:
    """Its PDQ photo signal and its MD5 signal (the library has one MD5, named for video)."""
    pdq = importlib.import_module("threatexchange.signal_type.pdq.signal")
    md5 = importlib.import_module("threatexchange.signal_type.md5")
    return pdq.PdqSignal, md5.VideoMD5Signal


def _threatexchange(path: str) -> str:
    """PDQ and MD5 of one file as threatexchange computes them, from one read."""
    pdq_signal, md5_signal = _threatexchange_signals()
    data = Path(path).read_bytes()
    pdq: str = getattr(pdq_signal, "hash_from_bytes")(data)  # noqa: B009 (untyped library)
    md5: str = getattr(md5_signal, "hash_from_bytes")(data)  # noqa: B009
    return pdq + md5


HASHERS: dict[str, Callable[[str], object]] = {
    "floor-L": functools.partial(_floor, "L"),
    "floor-RGB": functools.partial(_floor, "RGB"),
    "threatexchange": _threatexchange,
}


def _started(_: int) -> int:
    time.sleep(0.2)  # long enough that every pool process gets one, so all have started
    return os.getpid()


def run_hasher(name: str, paths: Sequence[str], workers: int) -> float:
    """Seconds to hash ``paths`` with hasher ``name`` on ``workers`` processes."""
    hasher = HASHERS[name]
    if name == "threatexchange":
        _threatexchange_signals()  # import before forking, as a long-lived service would
    if workers == 1:
        start = time.perf_counter()
        for path in paths:
            hasher(path)
        return time.perf_counter() - start
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_started, range(workers)))
        start = time.perf_counter()
        list(pool.map(hasher, paths))
        return time.perf_counter() - start


# ---- the orchestrator (runs in Vigil's environment) ----


@dataclass(frozen=True)
class Result:
    """One measurement: ``files`` files in ``seconds``."""

    method: str
    files: int
    seconds: float

    @property
    def rate(self) -> float:
        """Files per second."""
        return self.files / self.seconds


def _pinned(cores: int) -> list[str]:
    return ["taskset", "-c", "0"] if cores == 1 else []


def _warm_page_cache(paths: Sequence[Path]) -> None:
    for path in paths:
        path.read_bytes()


def measure_hasher(
    python: Path,
    name: str,
    paths: Sequence[Path],
    cores: int,
    *,
    repeats: int = 1,
    warmup: int | None = None,
) -> Result:
    """The fastest of ``repeats`` runs of the hashing worker under ``python``.

    They follow a warm-up run on the first ``warmup`` files (default: all of them).
    """
    listing = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)  # noqa: SIM115
    with listing:
        listing.write("\n".join(str(p) for p in paths))
    command = [*_pinned(cores), str(python), __file__, "hash", name, "--workers", str(cores)]
    try:
        _warm_page_cache(paths)
        warm = [*command, listing.name, "--limit", str(warmup or len(paths))]
        subprocess.run(warm, check=True, capture_output=True)
        seconds = min(
            float(subprocess.run([*command, listing.name], check=True, capture_output=True).stdout)
            for _ in range(repeats)
        )
    finally:
        os.unlink(listing.name)
    return Result(name, len(paths), seconds)


def _vigil_seconds(vigil: Path, folder: Path, files: int, workers: int, out: Path) -> float:
    """Wall time of one `vigil ingest` of ``folder`` into a fresh data directory."""
    data_dir = Path(tempfile.mkdtemp(prefix="vigil-data-", dir=out))
    command = [
        *_pinned(workers),
        str(vigil), "ingest", str(folder), "--case", "BENCH-1", "--workers", str(workers),
        "--pdq-mode", "fast", "--json", "--data-dir", str(data_dir),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    try:
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(data_dir)
    if done.returncode != 0:
        sys.exit(f"vigil ingest failed ({done.returncode}):\n{done.stderr[-3000:]}")
    summary = json.loads(done.stdout)
    images = summary["media_by_kind"].get("image", 0)
    if summary["files"] != files or images != files or summary["errors"]:
        sys.exit(f"vigil ingest of {folder} did not store {files} images: {summary}")
    return seconds


def _linked_folder(paths: Sequence[Path], folder: Path) -> Path:
    """A folder holding hard links to ``paths`` (same inodes, so still in the page cache)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in paths:
        os.link(path, folder / path.name)
    return folder


@dataclass(frozen=True)
class VigilTimes:
    """Vigil's fixed costs and its runs over the whole set, at one core count."""

    empty: float
    baseline_files: int
    baseline: float
    full: Result

    @property
    def steady(self) -> Result | None:
        """The rate once started: extra files over extra time beyond the baseline run.

        None when the extra time is not positive: the noise in start-up swamped the work.
        """
        extra_seconds = self.full.seconds - self.baseline
        if extra_seconds <= 0:
            return None
        extra_files = self.full.files - self.baseline_files
        return Result("vigil ingest (steady)", extra_files, extra_seconds)


def measure_vigil(
    vigil: Path, paths: Sequence[Path], cores: int, out: Path, repeats: int = 1
) -> VigilTimes:
    """`vigil ingest` on an empty folder, on one file per worker, and on every file.

    Each is the fastest of ``repeats`` runs, after a warm-up run on every file.
    """
    scratch = out / "vigil-folders"
    empty = _linked_folder([], scratch / "empty")
    baseline = _linked_folder(paths[:cores], scratch / f"baseline-{cores}")
    folder = paths[0].parent
    _warm_page_cache(paths)
    _vigil_seconds(vigil, folder, len(paths), cores, out)  # warm-up

    def best(folder: Path, files: int) -> float:
        return min(_vigil_seconds(vigil, folder, files, cores, out) for _ in range(repeats))

    return VigilTimes(
        empty=best(empty, 0),
        baseline_files=cores,
        baseline=best(baseline, cores),
        full=Result("vigil ingest (end to end)", len(paths), best(folder, len(paths))),
    )


def threatexchange_python(out: Path) -> Path:
    """The interpreter of the threatexchange environment, created on first use."""
    venv = out / "venv-threatexchange"
    python = venv / "bin" / "python"
    if not python.is_file():
        print(f"creating {venv} (threatexchange=={THREATEXCHANGE_VERSION}); takes minutes")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, f"threatexchange=={THREATEXCHANGE_VERSION}"], check=True)
    return python


# ---- report ----


def _row(photos: str, cores: str, result: Result, floor: Result, te: Result | None) -> str:
    versus_te = f"{result.rate / te.rate:.1f}x" if te else "n/a"
    return (
        f"| {photos} | {cores} | {result.method} | {1000 / result.rate:.1f} | "
        f"{result.rate:.1f} | {100 * result.rate / floor.rate:.0f}% | {versus_te} |"
    )


def _machine() -> list[str]:
    from PIL import __version__ as pillow_version
    from PIL import features

    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor() or "unknown CPU",
    )  # fmt: skip
    ram_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )  # fmt: skip
    return [
        f"- machine: {model}, {len(os.sched_getaffinity(0))} cores, {ram_kb / 2**20:.0f} GiB RAM",
        f"- Python {platform.python_version()}, Pillow {pillow_version} "
        f"(libjpeg-turbo {features.version('jpg')}), threatexchange {THREATEXCHANGE_VERSION}",
    ]


def _describe_set(label: str, paths: Sequence[Path]) -> str:
    sizes = [p.stat().st_size / 1e6 for p in paths]
    return (
        f"- {label}: {len(paths)} JPEGs, {min(sizes):.2f}-{max(sizes):.2f} MB "
        f"(median {statistics.median(sizes):.2f} MB)"
    )


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


@dataclass(frozen=True)
class Options:
    """What to run, from the command line."""

    phone: int
    small: int
    skip_threatexchange: bool
    repeats: int
    out: Path
    vigil: Path


def benchmark(options: Options) -> str:
    """Run every measurement and return the report as markdown."""
    from _photos import PHONE, SMALL, build_photo_set

    options.out.mkdir(parents=True, exist_ok=True)
    photo_sets = {
        "4032x3024": build_photo_set(replace(PHONE, count=options.phone), options.out),
        "1024x768": build_photo_set(replace(SMALL, count=options.small), options.out),
    }
    te_python = None if options.skip_threatexchange else threatexchange_python(options.out)
    all_cores = len(os.sched_getaffinity(0))
    load_before = _load()
    rows, fixed, verdicts = [], [], []
    for label, paths in photo_sets.items():
        for cores in sorted({1, all_cores}):
            cores_label = "1 (pinned)" if cores == 1 else f"{cores} (all)"
            print(f"measuring {label} on {cores_label} core(s)...", file=sys.stderr)
            python = Path(sys.executable)
            repeats = options.repeats
            floor = measure_hasher(python, "floor-L", paths, cores, repeats=repeats)
            floor_rgb = measure_hasher(python, "floor-RGB", paths, cores, repeats=repeats)
            te = None
            if te_python is not None:  # one run: it is the slowest by far
                warm = THREATEXCHANGE_WARMUP_FILES
                te = measure_hasher(te_python, "threatexchange", paths, cores, warmup=warm)
            vigil = measure_vigil(options.vigil, paths, cores, options.out, repeats)
            steady = vigil.steady
            measured = [floor, floor_rgb, *([te] if te else []), *([steady] if steady else [])]
            rows += [_row(label, cores_label, r, floor, te) for r in [*measured, vigil.full]]
            fixed.append(
                f"| {label} | {cores_label} | {vigil.empty:.2f} | {vigil.baseline_files} | "
                f"{vigil.baseline:.2f} |"
            )
            if steady is None:
                verdict = "cannot tell, start-up noise exceeded the work: use more photos"
            else:
                share = steady.rate / floor.rate
                verdict = (
                    f"{100 * share:.0f}% of the floor, {'met' if share >= 0.85 else 'NOT met'}"
                )
            verdicts.append(f"- {label}, {cores_label}: {verdict}")
    shutil.rmtree(options.out / "vigil-folders", ignore_errors=True)
    return "\n".join([
        f"Measured {date.today().isoformat()}, load average {load_before} before and "
        f"{_load()} after (1, 5, 15 min).",
        "",
        *_machine(),
        *(_describe_set(label, paths) for label, paths in photo_sets.items()),
        "",
        "| photos | cores | method | ms / file | files / s | of floor | vs threatexchange |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "Vigil's fixed cost (seconds, end to end): empty folder; one file per worker.",
        "",
        "| photos | cores | empty folder | files | one file per worker |",
        "| --- | --- | ---: | ---: | ---: |",
        *fixed,
        "",
        "Target, Vigil's steady rate at least 85% of the floor's:",
        *verdicts,
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: the benchmark, or (``hash``) the hashing worker it runs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    worker = commands.add_parser("hash", help="(internal) hash listed files, print seconds")
    worker.add_argument("hasher", choices=sorted(HASHERS))
    worker.add_argument("listing", type=Path, help="text file, one path a line")
    worker.add_argument("--workers", type=int, default=1)
    worker.add_argument("--limit", type=int, help="hash only the first LIMIT files")
    parser.add_argument("--photos", type=int, default=60, help="phone-size photos (4032x3024)")
    parser.add_argument("--small", type=int, default=200, help="1024x768 photos")
    parser.add_argument("--skip-threatexchange", action="store_true", help="no threatexchange")
    parser.add_argument(
        "--repeats", type=int, default=2, help="runs of floor and vigil; the fastest counts"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="cache and scratch")
    parser.add_argument(
        "--vigil", type=Path, default=Path(sys.executable).parent / "vigil", help="vigil CLI"
    )
    args = parser.parse_args(argv)
    if args.command == "hash":
        paths = args.listing.read_text().splitlines()[: args.limit]
        print(f"{run_hasher(args.hasher, paths, args.workers):.6f}")
        return
    report = benchmark(
        Options(
            args.photos, args.small, args.skip_threatexchange, args.repeats, args.out, args.vigil
        )
    )
    print(report)


if __name__ == "__main__":
    main()
