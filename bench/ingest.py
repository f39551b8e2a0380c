"""Ingest throughput: `vigil ingest` against Meta's threatexchange and against the floor.

On two photo sets (phone-size 4032x3024 JPEGs of 2-4 MB, and 1024x768 JPEGs; ``_photos.py``)
and at equal cores, files per second of:

* the **floor**, the work no pipeline can skip: read each file, its SHA-256, SHA-1 and MD5,
  and a draft decode (JPEG entropy decoding cannot be skipped), nothing else. The draft is
  the one Vigil's fast PDQ path asks for (luma, ``vigil.signals.pdq.FAST_DRAFT_SIDE``); the
  same decode in RGB is shown beside it.
* **threatexchange**, Meta's library as HMA uses it: ``PdqSignal`` (PDQ of the full-size
  photo) and its MD5 signal, in its own virtual environment.
* **vigil ingest**, the installed command in a subprocess with a fresh data directory:
  start-up, walk, hashing, metadata, database writes, summary.

"1 core" pins all to CPU 0 with ``taskset``; "all cores" gives the floor and threatexchange
a process pool as large as Vigil's ``--workers``. Files are in the page cache, and each
contender is warmed up first. Vigil's fixed cost is measured apart (an empty folder; one
file per worker, which also starts the workers); its steady rate, what a large seizure sees,
is ``(N - w) / (T(N) - T(w))``.

    .venv/bin/python bench/ingest.py [--photos 100] [--small 2000] [--skip-threatexchange]

The script is also its own hashing worker (``ingest.py hash ...``), which the threatexchange
environment's interpreter runs: hence only the standard library at the top level.
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
# Files hashed to warm up (imports, the pool): the page cache is warmed by reading every file.
WARMUP_FILES = 8
THREATEXCHANGE_WARMUP_FILES = 2
# The target: Vigil's steady rate at least this share of the floor's.
TARGET_SHARE = 0.85


# ---- the hashing worker (runs in either environment: standard library at the top level) ----


def _floor(mode: str, draft_side: int, path: str) -> int:
    """The unavoidable work on one file: read, three digests, draft decode.

    libjpeg picks the largest 1/2..1/8 reduction keeping both sides at least ``draft_side``.
    """
    from PIL import Image

    with open(path, "rb") as handle:
        data = handle.read()
    hashlib.sha256(data).hexdigest()
    hashlib.sha1(data, usedforsecurity=False).hexdigest()
    hashlib.md5(data, usedforsecurity=False).hexdigest()
    with Image.open(io.BytesIO(data)) as image:
        image.draft(mode, (draft_side, draft_side))
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


HASHERS = ("floor-L", "floor-RGB", "threatexchange")


def _hasher(name: str, draft_side: int) -> Callable[[str], object]:
    if name == "threatexchange":
        _threatexchange_signals()  # import before forking, as a long-lived service would
        return _threatexchange
    return functools.partial(_floor, name.removeprefix("floor-"), draft_side)


def _started(_: int) -> int:
    time.sleep(0.2)  # long enough that every pool process gets one, so all have started
    return os.getpid()


def run_hasher(name: str, paths: Sequence[str], workers: int, draft_side: int) -> float:
    """Seconds to hash ``paths`` with hasher ``name`` on ``workers`` processes."""
    hasher = _hasher(name, draft_side)
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


@dataclass(frozen=True)
class Hasher:
    """The hashing worker ``name`` run by ``python`` over the files listed in ``listing``."""

    python: Path
    name: str
    listing: Path
    cores: int
    draft_side: int = 0

    def seconds(self, limit: int | None = None) -> float:
        """Time to hash the listed files (the first ``limit`` of them), start-up excluded."""
        command = [
            *_pinned(self.cores), str(self.python), __file__, "hash", self.name,
            str(self.listing), "--workers", str(self.cores), "--draft-side", str(self.draft_side),
        ]  # fmt: skip
        if limit is not None:
            command += ["--limit", str(limit)]
        return float(subprocess.run(command, check=True, capture_output=True).stdout)


@dataclass(frozen=True)
class VigilCommand:
    """The installed `vigil` CLI, run on ``cores`` workers (pinned to CPU 0 when one)."""

    vigil: Path
    cores: int
    scratch: Path

    def seconds(self, folder: Path, files: int) -> float:
        """Wall time of one `vigil ingest` of ``folder`` into a fresh data directory.

        Exits if the run fails or does not store ``files`` distinct images.
        """
        data_dir = Path(tempfile.mkdtemp(prefix="vigil-data-", dir=self.scratch))
        command = [
            *_pinned(self.cores),
            str(self.vigil), "ingest", str(folder), "--case", "BENCH-1",
            "--workers", str(self.cores), "--pdq-mode", "fast", "--json",
            "--data-dir", str(data_dir),
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
class Options:
    """What to run, from the command line."""

    phone: int
    small: int
    repeats: int
    out: Path
    vigil: Path
    threatexchange_python: Path | None
    threatexchange_files: int


@dataclass(frozen=True)
class SetTimes:
    """Everything measured on one photo set at one core count; Vigil's as wall times."""

    floor: Result
    floor_rgb: Result
    threatexchange: Result | None
    vigil_empty: float
    vigil_baseline: Result
    vigil: Result
    #: Each repeat's floor, Vigil baseline and Vigil full run, in seconds, as run in turn.
    rounds: tuple[dict[str, float], ...] = ()

    def round_shares(self) -> list[float]:
        """Vigil's steady rate as a share of the floor's, within each repeat.

        A repeat's runs follow each other within seconds, so a slow spell of a shared
        machine weighs on both sides of its share, where the fastest-of-N figures pair each
        side's luckiest run: those favour the shorter measurement (the floor's), as a short
        run is likelier to fit between slow spells.
        """
        shares = []
        extra_files = self.vigil.files - self.vigil_baseline.files
        for times in self.rounds:
            extra_seconds = times["full"] - times["baseline"]
            if extra_seconds > 0:
                floor_rate = self.floor.files / times["floor"]
                shares.append(extra_files / extra_seconds / floor_rate)
        return shares

    @property
    def vigil_steady(self) -> Result | None:
        """Vigil's rate once started: extra files over extra time beyond the baseline run.

        None when the extra time is not positive: the noise in start-up swamped the work.
        """
        extra_seconds = self.vigil.seconds - self.vigil_baseline.seconds
        if extra_seconds <= 0:
            return None
        extra_files = self.vigil.files - self.vigil_baseline.files
        return Result("vigil ingest (steady)", extra_files, extra_seconds)


def measure_set(paths: Sequence[Path], cores: int, options: Options) -> SetTimes:
    """Floor, threatexchange and Vigil on ``paths``.

    The floor, Vigil's baseline and full runs go round in turn, repeat after repeat; the
    table shows the fastest of each, the verdict the median of the shares within a repeat
    (see :meth:`SetTimes.round_shares`).
    Threatexchange runs once, on the first files only: it is the slowest by far, and its
    time per file has no fixed part to average out.
    """
    scratch = options.out / "scratch"
    listing = scratch / f"{paths[0].parent.name}.txt"
    listing.write_text("\n".join(str(p) for p in paths))
    from vigil.signals.pdq import FAST_DRAFT_SIDE  # the floor decodes as Vigil does

    python = Path(sys.executable)
    floor = Hasher(python, "floor-L", listing, cores, FAST_DRAFT_SIDE)
    floor_rgb = Hasher(python, "floor-RGB", listing, cores, FAST_DRAFT_SIDE)
    vigil = VigilCommand(options.vigil, cores, scratch)
    empty = _linked_folder([], scratch / "empty")
    baseline = _linked_folder(paths[:cores], scratch / f"baseline-{cores}")
    for path in paths:  # into the page cache
        path.read_bytes()
    floor.seconds(limit=WARMUP_FILES)
    floor_rgb.seconds(limit=WARMUP_FILES)
    vigil.seconds(baseline, cores)
    contenders: dict[str, Callable[[], float]] = {
        "floor": floor.seconds,
        "baseline": lambda: vigil.seconds(baseline, cores),
        "full": lambda: vigil.seconds(paths[0].parent, len(paths)),
    }
    runs = [{key: run() for key, run in contenders.items()} for _ in range(options.repeats)]
    best = {key: min(times[key] for times in runs) for key in contenders}
    # Shown for reference only, so measured once.
    best["floor_rgb"] = floor_rgb.seconds()
    best["empty"] = vigil.seconds(empty, 0)
    threatexchange = None
    if options.threatexchange_python is not None:
        sample = min(options.threatexchange_files, len(paths))
        hasher = Hasher(options.threatexchange_python, "threatexchange", listing, cores)
        hasher.seconds(limit=THREATEXCHANGE_WARMUP_FILES)
        label = "threatexchange" + (f" (first {sample})" if sample < len(paths) else "")
        threatexchange = Result(label, sample, hasher.seconds(limit=sample))
    return SetTimes(
        floor=Result("floor, draft L", len(paths), best["floor"]),
        floor_rgb=Result("floor, draft RGB", len(paths), best["floor_rgb"]),
        threatexchange=threatexchange,
        vigil_empty=best["empty"],
        vigil_baseline=Result("vigil ingest (baseline)", cores, best["baseline"]),
        vigil=Result("vigil ingest (end to end)", len(paths), best["full"]),
        rounds=tuple(runs),
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


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _report_set(label: str, cores: int, times: SetTimes) -> tuple[list[str], str, str]:
    """Table rows, the fixed-cost row and the verdict for one photo set at one core count."""
    cores_label = "1 (pinned)" if cores == 1 else f"{cores} (all)"
    floor, te, steady = times.floor, times.threatexchange, times.vigil_steady
    measured = [floor, times.floor_rgb, *([te] if te else []), *([steady] if steady else [])]
    rows = [_row(label, cores_label, r, floor, te) for r in [*measured, times.vigil]]
    fixed = (
        f"| {label} | {cores_label} | {times.vigil_empty:.2f} | {times.vigil_baseline.files} | "
        f"{times.vigil_baseline.seconds:.2f} |"
    )
    shares = times.round_shares()
    if not shares:
        verdict = "cannot tell, start-up noise exceeded the work: use more photos"
    else:
        share = statistics.median(shares)
        met = "met" if share >= TARGET_SHARE else "NOT met"
        each = ", ".join(f"{100 * x:.0f}%" for x in shares)
        fastest = f"{100 * steady.rate / floor.rate:.0f}%" if steady else "-"
        verdict = (
            f"steady rate {100 * share:.0f}% of the floor's (median of the repeats: {each}; "
            f"fastest runs paired: {fastest}), {met}"
        )
    return rows, fixed, f"- {label}, {cores_label}: {verdict}"


def benchmark(options: Options) -> str:
    """Run every measurement and return the report as markdown."""
    from _photos import PHONE, SMALL, build_photo_set, describe

    (options.out / "scratch").mkdir(parents=True, exist_ok=True)
    photo_sets = {
        "4032x3024": build_photo_set(replace(PHONE, count=options.phone), options.out),
        "1024x768": build_photo_set(replace(SMALL, count=options.small), options.out),
    }
    all_cores = len(os.sched_getaffinity(0))
    load_before = _load()
    rows, fixed, verdicts = [], [], []
    for label, paths in photo_sets.items():
        for cores in sorted({1, all_cores}):
            print(f"measuring {label} on {cores} core(s)...", file=sys.stderr)
            set_rows, set_fixed, verdict = _report_set(
                label, cores, measure_set(paths, cores, options)
            )
            rows += set_rows
            fixed.append(set_fixed)
            verdicts.append(verdict)
    shutil.rmtree(options.out / "scratch", ignore_errors=True)
    return "\n".join([
        f"Measured {date.today().isoformat()}, load average {load_before} before and "
        f"{_load()} after (1, 5, 15 min).",
        "",
        *_machine(),
        *(f"- {label}: {describe(paths)}" for label, paths in photo_sets.items()),
        "",
        "| photos | cores | method | ms / file | files / s | of floor | vs threatexchange |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "Vigil's fixed cost, seconds end to end: an empty folder, and one file per worker.",
        "",
        "| photos | cores | empty folder | files | one file per worker |",
        "| --- | --- | ---: | ---: | ---: |",
        *fixed,
        "",
        f"Target, Vigil's steady rate at least {TARGET_SHARE:.0%} of the floor's, judged on "
        "the median over the repeats of the share within each repeat:",
        *verdicts,
    ])  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: the benchmark, or (``hash``) the hashing worker it runs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    worker = commands.add_parser("hash", help="(internal) hash listed files, print seconds")
    worker.add_argument("hasher", choices=HASHERS)
    worker.add_argument("listing", type=Path, help="text file, one path a line")
    worker.add_argument("--workers", type=int, default=1)
    worker.add_argument("--limit", type=int, help="hash only the first LIMIT files")
    worker.add_argument("--draft-side", type=int, default=0, help="floor: draft decode size")
    parser.add_argument("--photos", type=int, default=100, help="phone-size photos (4032x3024)")
    parser.add_argument("--small", type=int, default=2000, help="1024x768 photos")
    parser.add_argument("--skip-threatexchange", action="store_true", help="no threatexchange")
    parser.add_argument(
        "--threatexchange-files", type=int, default=12, help="files threatexchange hashes"
    )
    parser.add_argument(
        "--repeats", type=int, default=7, help="runs of the floor and vigil, in turn"
    )
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="cache and scratch")
    parser.add_argument(
        "--vigil", type=Path, default=Path(sys.executable).parent / "vigil", help="vigil CLI"
    )
    args = parser.parse_args(argv)
    if args.command == "hash":
        paths = args.listing.read_text().splitlines()[: args.limit]
        print(f"{run_hasher(args.hasher, paths, args.workers, args.draft_side):.6f}")
        return
    te_python = None if args.skip_threatexchange else threatexchange_python(args.out)
    options = Options(
        phone=args.photos,
        small=args.small,
        repeats=args.repeats,
        out=args.out,
        vigil=args.vigil,
        threatexchange_python=te_python,
        threatexchange_files=args.threatexchange_files,
    )
    print(benchmark(options))


if __name__ == "__main__":
    main()
