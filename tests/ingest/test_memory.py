"""A worker's memory on a huge picture, and the memory budget that bounds workers x pictures."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from tests.imagegen import make_image, make_jpeg
from vigil.config import load_settings
from vigil.ingest.budget import (
    WORKER_BASE_BYTES,
    MemoryBudgetError,
    parse_memory_size,
    plan_memory,
    worker_peak,
)
from vigil.media.image import DEFAULT_MAX_PIXELS
from vigil.signals.pdq import compare, hash_image_bytes
from vigil.signals.pdq_variants import hash_image_variants
from vigil.store.db import Store
from vigil.store.models import IngestError

SIDE = 13_300  # 177 megapixels: just under the default picture size limit
MB = 1024 * 1024
# Before pictures were hashed from a reduced luma this peaked at 1.25-1.5 GB.
PEAK_BOUND = 850 * MB


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def write_flat_png(path: Path, side: int) -> None:
    """An RGB PNG of ``side`` x ``side`` in eight flat bands, compressed row by row.

    Written without ever holding the picture: it compresses to well under 1 MB.
    """
    compressor = zlib.compressobj(9)
    data = bytearray()
    band = side // 8
    for row in range(side):
        level = (row // band) * 37 % 256
        left = bytes([level, 255 - level, 128]) * (side // 2)
        right = bytes([255 - level, level, 64]) * (side - side // 2)
        data += compressor.compress(b"\0" + left + right)
    data += compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", bytes(data))
        + _png_chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "huge.png"
    write_flat_png(path, SIDE)
    assert path.stat().st_size < 1024 * 1024
    return path


_MEASURE = """
import json, os, resource, sys
from vigil.ingest.records import FileTask
from vigil.ingest.worker import WorkerOptions, process_file
root, name, mode = sys.argv[1:]
result = process_file(os.fsencode(root), FileTask(os.fsencode(name), 0, 0.0), WorkerOptions(mode))
print(json.dumps({
    "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "width": result.media and result.media.width,
    "pdq": result.media and result.media.pdq,
    "error": result.error_reason,
}))
"""


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_a_worker_hashes_a_177_megapixel_png_in_bounded_memory(huge_png: Path, mode: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(huge_png.parent), huge_png.name, mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(done.stdout)
    assert measured["error"] is None
    assert measured["width"] == SIDE
    assert len(measured["pdq"]) == 64
    assert measured["peak"] < PEAK_BOUND, f"{measured['peak'] / MB:.0f} MB"
    # The budget's model of a worker holds what was measured.
    assert measured["peak"] < worker_peak(DEFAULT_MAX_PIXELS)


def test_sizes_are_read_in_powers_of_1024() -> None:
    assert parse_memory_size("4G") == 4 * 1024**3
    assert parse_memory_size("512m") == 512 * MB
    assert parse_memory_size("1.5GB") == 3 * 1024**3 // 2
    assert parse_memory_size("1073741824") == 1024**3
    with pytest.raises(MemoryBudgetError, match="'lots' is not a size"):
        parse_memory_size("lots")


def test_the_budget_cuts_workers_first_then_the_picture_size() -> None:
    full = worker_peak(DEFAULT_MAX_PIXELS)
    assert plan_memory(8 * full, 4).reduced is False
    two = plan_memory(2 * full + 1, 8)
    assert (two.workers, two.max_pixels) == (2, DEFAULT_MAX_PIXELS)
    assert two.describe().endswith("2 workers (not 8), pictures up to 178 MP")
    small = plan_memory(worker_peak(20_000_000), 4)
    assert (small.workers, small.max_pixels) == (1, 20_000_000)
    assert "pictures up to 20 MP (not 178 MP)" in small.describe()
    with pytest.raises(MemoryBudgetError, match="too small"):
        plan_memory(WORKER_BASE_BYTES, 1)


def vigil(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "VIGIL_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "vigil", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, **(env or {})},
    )


def test_a_small_budget_runs_one_worker_on_smaller_pictures_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "card"
    folder.mkdir()
    make_jpeg(folder / "small.jpg", seed=1, size=(64, 48))
    make_image(size=(2000, 2000), seed=2).save(folder / "big.png")  # 4 MP
    # 400 MB leave one worker about 3.4 MP of pictures.
    result = vigil(
        "ingest", str(folder), "--case", "OP-1", "--workers", "4",
        "--data-dir", str(tmp_path / "d"),
        env={"VIGIL_MEMORY_BUDGET": "400M"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "memory budget 400.0 MB: 1 worker (not 4), pictures up to 3 MP (not 178 MP)" in (
        result.stdout
    )
    store = Store(load_settings(tmp_path / "d"))
    with store.session() as session:
        reasons = {e.path: e.reason for e in session.scalars(select(IngestError))}
    store.close()
    assert list(reasons) == ["big.png"]  # the worker applied the lower limit
    assert "over the limit of 3,355,443" in reasons["big.png"]


@pytest.mark.parametrize(
    ("budget", "says"), [("lots", "'lots' is not a size"), ("100M", "too small")]
)
def test_an_unusable_budget_is_one_line(tmp_path: Path, budget: str, says: str) -> None:
    result = vigil(
        "ingest", str(tmp_path), "--case", "OP-1", "--memory-budget", budget,
        "--data-dir", str(tmp_path / "d"),
    )  # fmt: skip
    assert result.returncode == 2
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("mode", ["RGB", "P", "I;16"])
def test_turned_copies_of_a_large_png_are_found_from_its_reduced_luma(mode: str) -> None:
    # Large non-JPEG pictures are hashed from a luma reduced 2 times on each side here.
    picture = make_image(size=(1536, 1024), seed=5)
    picture = picture.convert(mode) if mode != "I;16" else picture.convert("L").convert(mode)
    variants = hash_image_variants(_png(picture), "reference")
    turned = hash_image_bytes(_png(picture.transpose(Image.Transpose.ROTATE_90)), "reference")
    assert compare(variants.dihedral["rotate90"], turned.hex).matched
    assert variants.hash.hex == hash_image_bytes(_png(picture), "reference").hex


def _png(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()
