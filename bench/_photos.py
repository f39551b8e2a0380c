"""Photo sets for the benchmarks: the sample photographs made into realistic JPEG files.

A phone photo is 4032x3024 and weighs 2-4 MB. The sample photographs are small (at most
1000 pixels wide), so each is cropped to 4:3, upscaled and given mild sensor-like noise:
without noise an upscaled picture is so smooth that its JPEG weighs a few hundred KB, and a
benchmark on such files would understate the cost of reading, hashing and entropy decoding.
Each file also carries a small EXIF block, as camera files do, so metadata reading is paid for.

Sets are cached under the output folder, keyed by every parameter that shapes the files, so a
second run reuses them.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vigil.demo.samples import SAMPLE_PHOTOS, load_sample_photo

# Generation format version: bump it when the way files are made changes, to invalidate caches.
_FORMAT_VERSION = 1
# EXIF tags (numbers from the EXIF 2.3 specification).
_MAKE, _MODEL, _ORIENTATION, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0132
_BAND_ROWS = 64


@dataclass(frozen=True)
class PhotoSetSpec:
    """What a photo set is made of: ``count`` JPEGs of ``width`` x ``height``."""

    width: int
    height: int
    count: int
    noise_sigma: float
    quality: int = 92
    seed: int = 2026

    def __post_init__(self) -> None:
        # Colour noise is laid per 2x2 block, as JPEG's chroma subsampling sees it.
        if self.width % 2 or self.height % 2:
            raise ValueError(f"photo size must be even, got {self.width}x{self.height}")

    @property
    def cache_name(self) -> str:
        """Name of the cache of made photos: every parameter that changes a file is in it.

        The count is not: photo ``i`` is the same whatever the count, so sets share files.
        """
        return (
            f"photos-v{_FORMAT_VERSION}-{self.width}x{self.height}"
            f"-noise{self.noise_sigma:g}-q{self.quality}-seed{self.seed}"
        )


#: What a phone camera writes: 12 MP, and enough noise that files weigh 2-4 MB.
PHONE = PhotoSetSpec(width=4032, height=3024, count=60, noise_sigma=3.0)
#: Downscaled pictures, as shared through messengers and websites.
SMALL = PhotoSetSpec(width=1024, height=768, count=200, noise_sigma=2.0)


def _crop_4_3(picture: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A random 4:3 crop covering 75-100% of the largest one that fits."""
    width, height = picture.size
    full_width = min(width, height * 4 // 3)
    crop_width = max(8, int(full_width * rng.uniform(0.75, 1.0)))
    crop_height = crop_width * 3 // 4
    left = int(rng.integers(0, width - crop_width + 1))
    top = int(rng.integers(0, height - crop_height + 1))
    return picture.crop((left, top, left + crop_width, top + crop_height))


def _add_sensor_noise(picture: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    """Gaussian noise: on brightness per pixel, and fainter on colour per 2x2 block.

    A phone's processing leaves mostly brightness noise, and JPEG keeps colour at half
    resolution anyway. Work goes in bands of rows because touching whole 12-megapixel float
    arrays is far slower than the arithmetic on this kind of machine.
    """
    pixels = np.array(picture.convert("RGB"))
    height, width, _ = pixels.shape
    for top in range(0, height, _BAND_ROWS):
        band = pixels[top : top + _BAND_ROWS]
        rows = band.shape[0]
        luma = rng.standard_normal((rows, width, 1), dtype=np.float32) * sigma
        colour = rng.standard_normal((rows // 2, 1, width // 2, 1, 3), dtype=np.float32)
        noisy = (band.astype(np.float32) + luma).reshape(rows // 2, 2, width // 2, 2, 3)
        noisy += colour * (sigma / 2)
        band[...] = np.clip(noisy, 0, 255).round().reshape(rows, width, 3)
    return Image.fromarray(pixels, "RGB")


def _camera_exif(index: int) -> bytes:
    exif = Image.Exif()
    exif[_MAKE] = "Vigil Bench"
    exif[_MODEL] = "Phone 12MP"
    exif[_ORIENTATION] = 1
    exif[_DATETIME] = f"2026:11:{1 + index % 28:02d} 12:{index % 60:02d}:00"
    return exif.tobytes()


def render_photo(spec: PhotoSetSpec, index: int) -> bytes:
    """JPEG bytes of photo ``index`` of ``spec``: the same bytes for the same arguments."""
    names = sorted(SAMPLE_PHOTOS)
    rng = np.random.default_rng((spec.seed, index))
    picture = _crop_4_3(load_sample_photo(names[index % len(names)]), rng)
    if rng.random() < 0.5:
        picture = picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    picture = picture.resize((spec.width, spec.height), Image.Resampling.BICUBIC)
    picture = _add_sensor_noise(picture, spec.noise_sigma, rng)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=spec.quality, exif=_camera_exif(index))
    return buffer.getvalue()


def _photo_name(index: int) -> str:
    return f"IMG_{index:04d}.jpg"


def _make_photo(spec: PhotoSetSpec, index: int, cache: Path) -> None:
    # Written aside then renamed, so a file in the cache is always a whole photo.
    partial = cache / f".{_photo_name(index)}.partial"
    partial.write_bytes(render_photo(spec, index))
    partial.rename(cache / _photo_name(index))


def build_photo_set(spec: PhotoSetSpec, out: Path, workers: int | None = None) -> list[Path]:
    """A folder under ``out`` holding exactly the ``spec.count`` photos of ``spec``.

    Photos are made on ``workers`` processes, only those not yet in the cache; the folder
    holds hard links to them, so that sets of different sizes share the files.
    """
    cache = out / spec.cache_name
    cache.mkdir(parents=True, exist_ok=True)
    missing = [i for i in range(spec.count) if not (cache / _photo_name(i)).is_file()]
    if missing:
        with ProcessPoolExecutor(workers or os.cpu_count()) as pool:
            for job in [pool.submit(_make_photo, spec, i, cache) for i in missing]:
                job.result()
    folder = out / f"{spec.cache_name}-n{spec.count}"
    names = [_photo_name(i) for i in range(spec.count)]
    if not folder.is_dir() or sorted(p.name for p in folder.iterdir()) != names:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for name in names:
            os.link(cache / name, folder / name)
    return [folder / name for name in names]


def describe(paths: Sequence[Path]) -> str:
    """How many files and how heavy, for the report."""
    sizes = [path.stat().st_size / 1e6 for path in paths]
    return (
        f"{len(paths)} JPEGs, {min(sizes):.2f}-{max(sizes):.2f} MB "
        f"(median {statistics.median(sizes):.2f} MB)"
    )
