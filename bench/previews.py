"""Preview pass throughput, beside the ingest of the same files.

Three seizures of generated media: 1024x768 JPEGs and phone-size 4032x3024 JPEGs (the photo
sets of ``_photos.py``, shared with ``ingest.py``) and a few short H.264 videos (made by
``tests/videogen.py``). For each, on one worker and on all cores:

* **ingest**: the installed ``vigil ingest --no-previews`` in a subprocess, a fresh data
  directory, wall time end to end (start-up, walk, hashing, metadata, matching, summary), as
  ``ingest.py`` measures it;
* **preview pass**: ``vigil.previews.making.make_previews`` in this process on that data
  directory: decode, shrink, blur, two JPEG encodes, two AES-GCM writes and the rows, per
  media; a pass of several workers includes starting its processes.

Each figure is the fastest of ``--repeats`` runs; the data directory is made anew for each.

    .venv/bin/python bench/previews.py [--small 300] [--phone 20] [--videos 4] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent)]

from tests.videogen import make_video  # noqa: E402

from _photos import PHONE, SMALL, build_photo_set  # noqa: E402
from vigil.config import Settings, sqlite_url  # noqa: E402
from vigil.previews.making import make_previews  # noqa: E402
from vigil.store.db import Store  # noqa: E402
from vigil.store.models import Seizure  # noqa: E402

VIDEO_SIZE = (640, 360)
VIDEO_SECONDS = 8.0


@dataclass(frozen=True)
class Row:
    """One seizure on some workers: its ingest and its preview pass, fastest of the repeats."""

    label: str
    files: int
    workers: int
    ingest_seconds: float
    pass_seconds: float
    made: int

    def markdown(self) -> str:
        ingest_rate = self.files / self.ingest_seconds
        pass_rate = self.made / self.pass_seconds
        return (
            f"| {self.label} | {self.workers} | {self.files} | {self.ingest_seconds:.2f} | "
            f"{ingest_rate:.1f} | {self.pass_seconds:.2f} | {pass_rate:.1f} | "
            f"{1000 * self.pass_seconds / self.made:.1f} |"
        )


def _videos(out: Path, count: int) -> list[Path]:
    cache = out / f"videos-{VIDEO_SIZE[0]}x{VIDEO_SIZE[1]}-{VIDEO_SECONDS:g}s"
    cache.mkdir(parents=True, exist_ok=True)
    paths = [cache / f"clip-{index:03}.mp4" for index in range(count)]
    for index, path in enumerate(paths):
        if not path.is_file():
            make_video(path, seconds=VIDEO_SECONDS, fps=25, size=VIDEO_SIZE, seed=index)
    return paths


def _folder(paths: Sequence[Path], folder: Path) -> Path:
    """A folder of hard links to ``paths`` (the seizure, named after the folder)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in paths:
        os.link(path, folder / path.name)
    return folder


def _ingest(vigil: Path, folder: Path, data_dir: Path, workers: int, files: int) -> float:
    command = [
        str(vigil), "ingest", str(folder), "--case", "BENCH-1", "--workers", str(workers),
        "--pdq-mode", "fast", "--json", "--no-previews", "--data-dir", str(data_dir),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"vigil ingest failed ({done.returncode}):\n{done.stderr[-3000:]}")
    summary = json.loads(done.stdout)
    if summary["media"] != files or summary["errors"]:
        sys.exit(f"vigil ingest of {folder} did not store {files} media: {summary}")
    return seconds


def _pass(data_dir: Path, workers: int) -> tuple[float, int]:
    store = Store(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    try:
        with store.session() as session:
            seizure_id = session.query(Seizure.id).one()[0]
        start = time.perf_counter()
        outcome = make_previews(store, seizure_id, workers=workers)
        seconds = time.perf_counter() - start
    finally:
        store.close()
    if outcome.failed:
        sys.exit(f"the preview pass failed on {outcome.failed} media of {data_dir}")
    return seconds, outcome.made


def measure(
    label: str, folder: Path, files: int, workers: int, vigil: Path, repeats: int, scratch: Path
) -> Row:
    ingests: list[float] = []
    passes: list[float] = []
    made = 0
    for _ in range(repeats):
        data_dir = Path(tempfile.mkdtemp(prefix="vigil-data-", dir=scratch))
        try:
            ingests.append(_ingest(vigil, folder, data_dir, workers, files))
            seconds, made = _pass(data_dir, workers)
            passes.append(seconds)
        finally:
            shutil.rmtree(data_dir)
    return Row(label, files, workers, min(ingests), min(passes), made)


def _machine() -> list[str]:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    wanted = ("Architecture", "CPU(s)", "Model name", "Thread(s) per core", "Core(s) per socket")
    lines = [line for line in lscpu.splitlines() if line.split(":")[0].strip() in wanted]
    return [
        *(f"    {line}" for line in lines),
        f"- Python {platform.python_version()}; load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg()),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    """Build the seizures, measure, print the markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=300, help="1024x768 JPEGs")
    parser.add_argument("--phone", type=int, default=20, help="4032x3024 JPEGs")
    parser.add_argument("--videos", type=int, default=4, help="640x360 H.264 videos of 8 s")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each, fastest kept")
    parser.add_argument("--out", type=Path, default=BENCH / "out", help="cache and scratch")
    parser.add_argument(
        "--vigil", type=Path, default=Path(sys.executable).parent / "vigil", help="vigil CLI"
    )
    args = parser.parse_args(argv)
    scratch = args.out / "scratch-previews"
    scratch.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    seizures = {
        "1024x768 JPEG": build_photo_set(replace(SMALL, count=args.small), args.out),
        "4032x3024 JPEG": build_photo_set(replace(PHONE, count=args.phone), args.out),
        "640x360 H.264, 8 s": _videos(args.out, args.videos),
    }
    all_cores = len(os.sched_getaffinity(0))
    rows: list[Row] = []
    for label, paths in seizures.items():
        folder = _folder(paths, scratch / label.split()[0].replace(",", ""))
        for workers in sorted({1, all_cores}):
            print(f"measuring {label} on {workers} worker(s)...", file=sys.stderr)
            rows.append(
                measure(label, folder, len(paths), workers, args.vigil, args.repeats, scratch)
            )
    shutil.rmtree(scratch, ignore_errors=True)
    finished = datetime.now(UTC)
    print(
        "\n".join([
            f"Measured {started:%Y-%m-%d %H:%M}-{finished:%H:%M} UTC, fastest of "
            f"{args.repeats} runs each.",
            "",
            *_machine(),
            "",
            "| media | workers | files | ingest s | ingest files/s | pass s | previews/s "
            "| ms / preview |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *(row.markdown() for row in rows),
        ])
    )  # fmt: skip


if __name__ == "__main__":
    main()
