"""Detection quality under edits: how many edited copies of a photo PDQ still finds.

The photographs shipped inside scikit-image, matplotlib and scikit-learn (pdq_fidelity's
``SAMPLE_PHOTOS`` and ``MORE_PHOTOS`` below; ``LEFT_OUT`` says what is not used and why) are
each edited the standard ways (resize, recompress, greyscale, brightness, blur, watermark band,
letterbox and pillarbox bars, mirror, rotation, crops) and saved as JPEG quality 90 (the
recompression edit at quality 30). An edited copy is found when, against the hash of its
original's file,

* plain PDQ: the copy's own PDQ is within 31 bits (what threatexchange's matcher does);
* Vigil: any of the copy's ``PdqVariants.queries()`` is within 31 bits
  (``vigil.signals.pdq_variants.best_match``);

Originals of PDQ quality below 50 are not matched on, as in ingest. False matches are counted
over every pair of different photos: each original against every other original, and each
edited copy against every other photo's original. Hashes are computed in fast mode (ingest's
default) and in reference mode. Run: ``.venv/bin/python bench/edits.py`` (under a minute).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import PIL
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

from pdq_fidelity import sample_photo_paths
from vigil.signals.pdq import (
    MATCH_THRESHOLD,
    QUALITY_THRESHOLD,
    HashMode,
    compare,
)
from vigil.signals.pdq_variants import PdqVariants, best_match, hash_image_variants

SAVE_QUALITY = 90
LOW_QUALITY = 30
MODES: tuple[HashMode, ...] = ("fast", "reference")
# Photographs in scikit-image's data beyond pdq_fidelity's list: a cell under a microscope, a
# clock photographed while moving, a 102x102 detail of a retina.
MORE_PHOTOS = ["cell.png", "clock_motion.png", "microaneurysms.png"]
# A photograph in the same folder that is not used, and why. Drawings, text, synthetic test
# patterns and logos there are not photographs and are not listed.
LEFT_OUT = {
    "motorcycle_right.png": "the right view of motorcycle_left.png's stereo pair: the same "
    "scene, so a match between them would be a true one, not a false one",
}


def _photo_paths() -> list[Path]:
    paths = sample_photo_paths()
    skimage_data = next(path.parent for path in paths if path.name == "astronaut.png")
    return paths + [skimage_data / name for name in MORE_PHOTOS]


def _resize_half(picture: Image.Image) -> Image.Image:
    return picture.resize((picture.width // 2, picture.height // 2), Image.Resampling.BICUBIC)


def _watermark(picture: Image.Image) -> Image.Image:
    """An opaque white band along the bottom, 15% of the height, with dark text on it."""
    marked = picture.copy()
    band = round(picture.height * 0.15)
    top = picture.height - band
    draw = ImageDraw.Draw(marked)
    draw.rectangle((0, top, picture.width, top + band), fill=(255, 255, 255))
    font = ImageFont.load_default(size=band * 0.55)
    centre = (picture.width / 2, top + band / 2)
    draw.text(centre, "shared by example.org", fill=(30, 30, 30), font=font, anchor="mm")
    return marked


def _bars(picture: Image.Image, *, sides: bool, colour: tuple[int, int, int]) -> Image.Image:
    """Bars of 12% of the height above and below (or of the width left and right)."""
    if sides:
        bar = round(picture.width * 0.12)
        return ImageOps.expand(picture, (bar, 0, bar, 0), fill=colour)
    bar = round(picture.height * 0.12)
    return ImageOps.expand(picture, (0, bar, 0, bar), fill=colour)


def _crop_centre(picture: Image.Image, removed: float) -> Image.Image:
    """Keep the centre (1 - ``removed``) of the width and of the height."""
    width, height = picture.size
    left, top = round(width * removed / 2), round(height * removed / 2)
    return picture.crop((left, top, width - left, height - top))


def _letterbox(picture: Image.Image) -> Image.Image:
    return _bars(picture, sides=False, colour=(0, 0, 0))


def _mirror(picture: Image.Image) -> Image.Image:
    return picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


@dataclass(frozen=True)
class Edit:
    """One way a copy is changed: its name in the table, how, and the JPEG quality saved at."""

    name: str
    apply: Callable[[Image.Image], Image.Image]
    quality: int = SAVE_QUALITY


EDITS = [
    Edit("resize 50%", _resize_half),
    Edit("JPEG quality 30", lambda picture: picture, LOW_QUALITY),
    Edit("greyscale", lambda picture: picture.convert("L")),
    Edit("brightness +30%", lambda picture: ImageEnhance.Brightness(picture).enhance(1.3)),
    Edit("blur (Gaussian r=2)", lambda picture: picture.filter(ImageFilter.GaussianBlur(2))),
    Edit("watermark band 15%", _watermark),
    Edit("letterbox (black, 12% top+bottom)", _letterbox),
    Edit(
        "pillarbox (white, 12% left+right)",
        lambda picture: _bars(picture, sides=True, colour=(255, 255, 255)),
    ),
    Edit("mirror", _mirror),
    Edit("rotate 90", lambda picture: picture.transpose(Image.Transpose.ROTATE_90)),
    Edit("mirror + letterbox", lambda picture: _letterbox(_mirror(picture))),
    Edit("crop 10% (centred)", lambda picture: _crop_centre(picture, 0.10)),
    Edit("crop 25% (centred)", lambda picture: _crop_centre(picture, 0.25)),
    Edit(
        "rotate 5 (expand=False)",
        lambda picture: picture.rotate(5, Image.Resampling.BICUBIC, expand=False),
    ),
]


def _jpeg(picture: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@dataclass(frozen=True)
class Hashes:
    """What one file is matched with: Vigil's variants in each mode."""

    variants: dict[str, PdqVariants]


def _hash_file(data: bytes) -> Hashes:
    return Hashes({mode: hash_image_variants(data, mode) for mode in MODES})


def _closest(copy: PdqVariants, target_hex: str) -> tuple[str, int]:
    """Vigil's label and distance of the copy's query closest to the target, however far."""
    match = best_match(copy, target_hex, threshold=256)
    assert match is not None  # a radius of 256 bits takes any hash
    return match


def _plain(mode: str) -> Callable[[Hashes, Hashes], int]:
    def distance(copy: Hashes, original: Hashes) -> int:
        found = compare(copy.variants[mode].hash.hex, original.variants[mode].hash.hex)
        return int(found.distance)

    return distance


def _vigil(mode: str) -> Callable[[Hashes, Hashes], int]:
    def distance(copy: Hashes, original: Hashes) -> int:
        return _closest(copy.variants[mode], original.variants[mode].hash.hex)[1]

    return distance


#: How a copy is matched to an original: the distance each method sees between them.
METHODS: dict[str, Callable[[Hashes, Hashes], int]] = {
    "plain PDQ, fast": _plain("fast"),
    "Vigil, fast": _vigil("fast"),
    "plain PDQ, reference": _plain("reference"),
    "Vigil, reference": _vigil("reference"),
}


@dataclass
class Photo:
    """A sample photograph: its name, its pixels, and the hashes of its file."""

    name: str
    picture: Image.Image
    hashes: Hashes


def _load(path: Path) -> Photo:
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as opened:
        picture = opened.convert("RGB")
    return Photo(path.stem, picture, _hash_file(data))


@dataclass
class FalseMatches:
    """For each method, how many pairs of different photos matched, and the closest pair."""

    pairs: int = 0
    matched: Counter[str] = field(default_factory=Counter)
    closest: dict[str, int] = field(default_factory=dict)

    def add(self, copy: Hashes, original: Hashes) -> None:
        self.pairs += 1
        for method, distance_of in METHODS.items():
            distance = distance_of(copy, original)
            self.matched[method] += distance <= MATCH_THRESHOLD
            self.closest[method] = min(distance, self.closest.get(method, distance))

    def report(self, what: str) -> str:
        lines = [f"False matches, {what} ({self.pairs} pairs):"]
        lines += [
            f"- {method}: {self.matched[method]} (closest {self.closest[method]} bits)"
            for method in METHODS
        ]
        return "\n".join(lines)


def _machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        memory_kb = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kb / 2**20:.0f} GiB; Python "
        f"{platform.python_version()}, Pillow {PIL.__version__}, numpy {np.__version__}"
    )


def _edit_row(edit: Edit, photos: Sequence[Photo], unrelated: FalseMatches) -> str:
    """The table row of one edit; every copy is also checked against the other originals."""
    copies = [_hash_file(_jpeg(edit.apply(photo.picture), edit.quality)) for photo in photos]
    shares = []
    for distance_of in METHODS.values():
        found = sum(
            distance_of(copy, photo.hashes) <= MATCH_THRESHOLD
            for photo, copy in zip(photos, copies, strict=True)
        )
        shares.append(f"{found}/{len(photos)}")
    labels: Counter[str] = Counter()
    missed: dict[str, int] = {}
    for photo, copy in zip(photos, copies, strict=True):
        label, distance = _closest(copy.variants["fast"], photo.hashes.variants["fast"].hash.hex)
        if distance <= MATCH_THRESHOLD:
            labels[label] += 1
        else:
            missed[photo.name] = distance
        for other in photos:
            if other is not photo:
                unrelated.add(copy, other.hashes)
    via = ", ".join(f"{label} {count}" for label, count in labels.most_common()) or "-"
    return f"| {edit.name} | {' | '.join(shares)} | {via} | {_missed(missed, len(photos))} |"


def _missed(missed: dict[str, int], photos: int) -> str:
    """The photos Vigil missed with their distances, or a summary when it missed most."""
    if len(missed) > photos // 2:
        return f"{len(missed)} photos, {min(missed.values())}-{max(missed.values())} bits"
    return ", ".join(f"{name} {distance}" for name, distance in missed.items()) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    started = time.perf_counter()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.2f}; {_machine()}")
    candidates = [_load(path) for path in _photo_paths()]
    photos = [
        photo
        for photo in candidates
        if min(v.hash.quality for v in photo.hashes.variants.values()) >= QUALITY_THRESHOLD
    ]
    flat = [photo.name for photo in candidates if photo not in photos]
    print(f"{len(photos)} photographs: {', '.join(photo.name for photo in photos)}")
    print(f"not matched on (PDQ quality < {QUALITY_THRESHOLD}): {', '.join(flat) or 'none'}")
    for name, reason in LEFT_OUT.items():
        print(f"left out: {name} ({reason})")

    print(f"\n| edit | {' | '.join(METHODS)} | Vigil matched via (fast) | Vigil missed (bits) |")
    print(f"| --- | {' | '.join('---:' for _ in METHODS)} | --- | --- |")
    unrelated = FalseMatches()
    for edit in EDITS:
        print(_edit_row(edit, photos, unrelated))
    originals = FalseMatches()
    for photo in photos:
        for other in photos:
            if other is not photo:
                originals.add(photo.hashes, other.hashes)
    print("\n" + originals.report("originals against each other, both ways"))
    print(unrelated.report("edited copies against the other photos' originals"))
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
