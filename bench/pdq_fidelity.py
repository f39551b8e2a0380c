"""How close fast-mode PDQ stays to reference mode, and what each costs per image.

Two sets of images:

* the PDQ conformance vectors (``<repo>/../shared/data/pdq`` or ``$VIGIL_CONFORMANCE_DATA``);
* the sample photographs shipped in scikit-image, matplotlib and scikit-learn, upscaled to a
  phone camera's 4032x3024 (landscape and portrait), given mild sensor-like noise and saved
  as JPEG quality 92: what a seized phone holds, 2-4 MB each.

For each set it prints the Hamming distance between fast and reference hashes (mean, 99th
percentile, max) and the milliseconds per image of each mode (median over images of the best
of ``--repeats`` runs). For the phone photos it also prints the ingest floor (read the file,
sha256 + sha1 + md5, draft-decode the JPEG) against the same with fast PDQ instead of the bare
decode. Run: ``.venv/bin/python bench/pdq_fidelity.py``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import matplotlib
import numpy as np
import skimage
import sklearn
from PIL import Image

from vigil.media.image import decode_image, open_image_header
from vigil.signals.pdq import FAST_DRAFT_SIDE, compare, hash_image_bytes

T = TypeVar("T")
PHONE_SIZE = (4032, 3024)
JPEG_QUALITY = 92
NOISE_SIGMA = 4.0
REPO_ROOT = Path(__file__).resolve().parent.parent

# Photographs (not drawings, text or synthetic test patterns) among the packages' samples.
SAMPLE_PHOTOS = {
    "skimage": [
        "astronaut.png",
        "brick.png",
        "camera.png",
        "chelsea.png",
        "coffee.png",
        "coins.png",
        "grass.png",
        "gravel.png",
        "hubble_deep_field.jpg",
        "ihc.png",
        "moon.png",
        "motorcycle_left.png",
        "retina.jpg",
        "rocket.jpg",
    ],
    "matplotlib": ["grace_hopper.jpg"],
    "sklearn": ["china.jpg", "flower.jpg"],
}


def sample_photo_paths() -> list[Path]:
    """The sample photographs that ship inside the installed packages."""
    folders = {
        "skimage": Path(skimage.__file__).parent / "data",
        "matplotlib": Path(matplotlib.get_data_path()) / "sample_data",
        "sklearn": Path(sklearn.__file__).parent / "datasets" / "images",
    }
    return [folders[package] / name for package, names in SAMPLE_PHOTOS.items() for name in names]


def phone_jpeg(photo: Path, *, portrait: bool, seed: int) -> bytes:
    """``photo`` upscaled to a phone camera's frame, with mild noise, as a quality-92 JPEG."""
    size = PHONE_SIZE[::-1] if portrait else PHONE_SIZE
    with Image.open(photo) as source:
        upscaled = source.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    pixels = np.asarray(upscaled, dtype=np.float32)
    noise = np.random.default_rng(seed).standard_normal(pixels.shape, dtype=np.float32)
    noisy = np.clip(pixels + NOISE_SIGMA * noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def phone_photos(workdir: Path) -> list[Path]:
    """Make (once) the phone-sized JPEGs in ``workdir`` and return their paths."""
    workdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed, photo in enumerate(sample_photo_paths()):
        for portrait in (False, True):
            variant = "portrait" if portrait else "landscape"
            target = workdir / f"{photo.stem}-{variant}.jpg"
            if not target.exists():
                target.write_bytes(phone_jpeg(photo, portrait=portrait, seed=seed))
            paths.append(target)
    return paths


def conformance_images() -> list[Path]:
    """The PDQ conformance images, or none when the data folder is absent."""
    root = Path(os.environ.get("VIGIL_CONFORMANCE_DATA") or REPO_ROOT.parent / "shared" / "data")
    listing = root / "pdq" / "expected.csv"
    if not listing.is_file():
        return []
    with listing.open(newline="") as rows:
        return [root / "pdq" / "images" / row["file"] for row in csv.DictReader(rows)]


def best_ms(action: Callable[[T], object], argument: T, repeats: int) -> float:
    """Fastest of ``repeats`` runs, in milliseconds (the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action(argument)
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def crypto_hashes(data: bytes) -> None:
    for algorithm in (hashlib.sha256, hashlib.sha1, hashlib.md5):
        algorithm(data).digest()


def draft_decode(data: bytes) -> None:
    """The reduced luma decode that fast mode starts from."""
    img = open_image_header(data)
    img.draft("L", (FAST_DRAFT_SIDE, FAST_DRAFT_SIDE))
    decode_image(img)


def ingest_floor(path: Path) -> None:
    """What ingest cannot avoid for a JPEG: read it, three digests, a draft decode."""
    data = path.read_bytes()
    crypto_hashes(data)
    draft_decode(data)


def ingest_fast(path: Path) -> None:
    """The same with fast-mode PDQ in place of the bare decode."""
    data = path.read_bytes()
    crypto_hashes(data)
    hash_image_bytes(data, "fast")


def reference_hash(data: bytes) -> None:
    hash_image_bytes(data, "reference")


def fast_hash(data: bytes) -> None:
    hash_image_bytes(data, "fast")


@dataclass
class Measurements:
    """Per-image distances and timings for one set of images."""

    distances: list[int] = field(default_factory=list)
    reference_ms: list[float] = field(default_factory=list)
    fast_ms: list[float] = field(default_factory=list)
    decode_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    ingest_ms: list[float] = field(default_factory=list)

    def row(self, name: str) -> str:
        spread = np.array(self.distances)
        return (
            f"| {name} | {spread.size} | {spread.mean():.2f} | {np.percentile(spread, 99):.1f} "
            f"| {spread.max()} | {statistics.median(self.reference_ms):.1f} "
            f"| {statistics.median(self.fast_ms):.1f} |"
        )


def measure(paths: Iterable[Path], repeats: int, *, pipeline: bool) -> Measurements:
    result = Measurements()
    for path in paths:
        data = path.read_bytes()
        reference = hash_image_bytes(data, "reference")
        fast = hash_image_bytes(data, "fast")
        result.distances.append(int(compare(reference.hex, fast.hex).distance))
        result.reference_ms.append(best_ms(reference_hash, data, repeats))
        result.fast_ms.append(best_ms(fast_hash, data, repeats))
        if pipeline:
            result.decode_ms.append(best_ms(draft_decode, data, repeats))
            result.floor_ms.append(best_ms(ingest_floor, path, repeats))
            result.ingest_ms.append(best_ms(ingest_fast, path, repeats))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(tempfile.gettempdir())
        / f"vigil-pdq-bench-q{JPEG_QUALITY}-noise{NOISE_SIGMA:g}",
        help="where the phone-sized JPEGs are made (and reused on later runs)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per image and mode")
    args = parser.parse_args()
    photos = phone_photos(args.workdir)
    vectors = measure(conformance_images(), args.repeats, pipeline=False)
    phones = measure(photos, args.repeats, pipeline=True)
    print("| images | n | mean bits | p99 bits | max bits | reference ms | fast ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    if vectors.distances:
        print(vectors.row("conformance vectors"))
    print(phones.row(f"phone JPEGs {PHONE_SIZE[0]}x{PHONE_SIZE[1]} q{JPEG_QUALITY}"))
    megabytes = statistics.mean(path.stat().st_size for path in photos) / 1e6
    decode = statistics.median(phones.decode_ms)
    step = statistics.median(f - d for f, d in zip(phones.fast_ms, phones.decode_ms, strict=True))
    floor, ingest = statistics.median(phones.floor_ms), statistics.median(phones.ingest_ms)
    print(
        f"\nPhone JPEGs ({megabytes:.1f} MB on average), medians per file:\n"
        f"- draft decode (luma, 1/4 scale) {decode:.1f} ms; fast PDQ after it {step:.1f} ms\n"
        f"- floor (read + sha256 + sha1 + md5 + draft decode) {floor:.1f} ms; "
        f"with fast PDQ instead of the bare decode {ingest:.1f} ms; "
        f"floor / ours = {floor / ingest:.3f} (target >= 0.85)"
    )


if __name__ == "__main__":
    main()
