"""PDQ: Meta's 256-bit perceptual hash for images, and how Vigil computes and compares it.

Two ways to hash, one hash format:

* ``reference`` reproduces Meta's C++ ``pdq-photo-hasher`` bit for bit: full decode, pixels as
  stored (no EXIF orientation), nearest-neighbour resize to exactly 512x512 when a side is
  over 512, then PDQ of the RGB luma. Use it to agree with hashes partners computed.
* ``fast`` (ingest's default) decodes JPEGs over 512 px in luma only (the JPEG Y channel is
  PDQ's luma) and at the smallest DCT scale (1/2..1/8) that keeps 512 px a side, takes the
  same 512x512 nearest samples as the reference from that, and runs PDQ in numpy. Other
  images take the reference path. ``bench/pdq_fidelity.py`` measures how close it stays.

:func:`pdq_samples` gives the pixels a mode hashes, so that :mod:`vigil.signals.pdq_variants`
can hash the picture turned, mirrored and trimmed from the same decode.
"""

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image

from vigil.media.errors import MediaError
from vigil.media.image import DEFAULT_MAX_PIXELS, decode_image, open_image_header
from vigil.signals.pdq_fast import pdq_hex_from_luma

NAME = "pdq"
#: The kinds of content this signal applies to.
CONTENT_TYPES = frozenset({"image"})
#: Two hashes at most this many bits apart are the same picture (Meta's recommended value).
MATCH_THRESHOLD = 31
#: Hashes of quality below this come from flat pictures and should not be matched on.
QUALITY_THRESHOLD = 50
HEX_LENGTH = 64
_HEX_DIGITS = re.compile(f"[0-9a-f]{{{HEX_LENGTH}}}")

#: Side beyond which the reference shrinks an image to REFERENCE_SIDE x REFERENCE_SIDE.
REFERENCE_SIDE = 512
#: The fast path asks the JPEG decoder for at least this many pixels a side, so each of the
#: reference's 512 samples along a side comes from its own (averaged) block of pixels.
FAST_DRAFT_SIDE = REFERENCE_SIDE
_LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)

HashMode = Literal["fast", "reference"]


@dataclass(frozen=True)
class PdqHash:
    """A PDQ hash as 64 lower-case hex digits, and its quality (0..100)."""

    hex: str
    quality: int

    @property
    def reliable(self) -> bool:
        """Whether the picture had enough detail for the hash to be matched on."""
        return self.quality >= QUALITY_THRESHOLD


class PdqComparison(NamedTuple):
    """How far apart two PDQ hashes are, and whether that counts as a match."""

    distance: int
    matched: bool


def validate_hex(value: str) -> str:
    """Return ``value`` as a canonical PDQ hex string; ValueError if it is not one."""
    canonical = value.strip().lower()
    if _HEX_DIGITS.fullmatch(canonical) is None:
        raise ValueError(f"not a PDQ hash (64 hex digits): {value!r}")
    return canonical


def compare(a_hex: str, b_hex: str, *, threshold: int = MATCH_THRESHOLD) -> PdqComparison:
    """Hamming distance between two PDQ hashes, matched when it is at most ``threshold``."""
    distance = (int(validate_hex(a_hex), 16) ^ int(validate_hex(b_hex), 16)).bit_count()
    return PdqComparison(distance, distance <= threshold)


def get_examples() -> list[str]:
    """Known PDQ hashes for tests and demos.

    Meta's published hashes of its benign bridge photograph: the original, then versions
    with raised saturation and heavy sharpening (a few bits away, so they match).
    """
    return [
        "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
        "d8f8f0cee0f4a84f0637022a038f67f0b36e2ed596631e1d33e6339c4e9c9b22",
        "d0f8f0cec0f4a84f0e370a22238f67f0b36a2ef596231e1d73e6a39c4e9c9b22",
    ]


def _reference_rgb(img: Image.Image) -> NDArray[np.uint8]:
    """The 8-bit RGB pixels the reference hasher sees for an image in any Pillow mode.

    The reference loads every image as 8-bit samples, so 16- and 32-bit integer samples keep
    their low byte (a C cast), not a rescaled value: that is what its published hashes encode.
    """
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        grey = (np.asarray(img).astype(np.int64) & 0xFF).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if img.mode == "F":
        grey = np.clip(np.asarray(img), 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    try:
        return np.asarray(img.convert("RGB"))
    except ValueError as exc:
        raise MediaError("pdq", f"cannot hash an image in Pillow mode {img.mode!r}") from exc


def _reference_grid(img: Image.Image, full_size: tuple[int, int], scale: int) -> Image.Image:
    """The reference's 512x512 nearest samples of a picture, taken from a 1/``scale`` decode.

    The reference keeps pixel ``floor(x * width / 512)``; in a 1/``scale`` decode that pixel
    lies in block ``floor(x * width / (512 * scale))``. Sampling commutes with per-pixel mode
    conversion, so it runs first, on the image's own mode.
    """
    width, height = full_size
    x_step = width / (REFERENCE_SIDE * scale)
    y_step = height / (REFERENCE_SIDE * scale)
    # Offsetting by half a step turns Pillow's pixel-centre sampling into the floor above;
    # steps are multiples of 1/4096, so the arithmetic is exact.
    return img.transform(
        (REFERENCE_SIDE, REFERENCE_SIDE),
        Image.Transform.AFFINE,
        (x_step, 0, -x_step / 2, 0, y_step, -y_step / 2),
        Image.Resampling.NEAREST,
    )


def _reference_samples(img: Image.Image) -> NDArray[np.uint8]:
    """The RGB the reference hashes: the image's own pixels, or its 512x512 samples."""
    if max(img.size) > REFERENCE_SIDE:
        img = _reference_grid(img, img.size, 1)
    return _reference_rgb(img)


def _fast_samples(img: Image.Image) -> NDArray[np.float32] | NDArray[np.uint8]:
    """What fast mode hashes: the reference's samples of a large JPEG as luma, else its RGB."""
    if img.format != "JPEG" or max(img.size) <= REFERENCE_SIDE:
        return _reference_samples(decode_image(img))
    width, height = img.size
    drafted = img.draft("L", (FAST_DRAFT_SIDE, FAST_DRAFT_SIDE))
    scale = 1 if drafted is None else round(width / drafted[1][2])
    grid = _reference_grid(decode_image(img), (width, height), scale)
    if grid.mode == "L":
        return np.asarray(grid, dtype=np.float32)
    # CMYK JPEGs cannot be decoded to grey directly (they still decode at reduced scale).
    luma: NDArray[np.float32] = _reference_rgb(grid).astype(np.float32) @ _LUMA_WEIGHTS
    return luma


def pdq_samples(
    data: bytes | Image.Image, mode: HashMode = "fast", *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> NDArray[np.float32] | NDArray[np.uint8]:
    """The pixels PDQ is computed from for the image in ``data``, by the given mode.

    ``data`` is the file's bytes or the image :func:`open_image_header` opened from them, not
    yet decoded (it is decoded here). Either float32 luma (fast mode on large JPEGs) or 8-bit
    RGB (rows x columns x 3), at most 512 a side. Raises MediaError for files that cannot be
    decoded (see :func:`open_image_header`) and ValueError for an unknown mode.
    """
    if mode not in ("fast", "reference"):
        raise ValueError(f"unknown PDQ mode {mode!r}: use 'fast' or 'reference'")
    img = data if isinstance(data, Image.Image) else open_image_header(data, max_pixels=max_pixels)
    if mode == "fast":
        return _fast_samples(img)
    return _reference_samples(decode_image(img))


def pdq_from_samples(samples: NDArray[np.float32] | NDArray[np.uint8]) -> PdqHash:
    """PDQ of the pixels :func:`pdq_samples` returns."""
    if samples.ndim == 2:
        return PdqHash(*pdq_hex_from_luma(samples.astype(np.float32, copy=False)))
    vector, quality = pdqhash.compute(np.ascontiguousarray(samples))
    # pdqhash returns bits most significant first, the order of the reference's hex output.
    return PdqHash(np.packbits(vector.astype(np.uint8)).tobytes().hex(), int(quality))


def pdq_reference(img: Image.Image) -> PdqHash:
    """PDQ of a decoded image exactly as Meta's reference hasher computes it."""
    return pdq_from_samples(_reference_samples(img))


def pdq_fast_from_bytes(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> PdqHash:
    """PDQ of the image in ``data``, decoding large JPEGs at reduced scale in luma only.

    Raises MediaError for files that cannot be decoded (see :func:`open_image_header`).
    """
    return pdq_from_samples(pdq_samples(data, "fast", max_pixels=max_pixels))


def hash_image_bytes(
    data: bytes, mode: HashMode = "fast", *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> PdqHash:
    """PDQ of the image in ``data`` by the given mode (see the module docstring)."""
    return pdq_from_samples(pdq_samples(data, mode, max_pixels=max_pixels))
