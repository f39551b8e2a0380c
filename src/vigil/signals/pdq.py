"""PDQ: Meta's 256-bit perceptual hash for images, and how Vigil computes and compares it.

Two ways to hash, one hash format:

* ``reference`` reproduces Meta's C++ ``pdq-photo-hasher`` bit for bit: full decode, pixels as
  stored (no EXIF orientation), nearest-neighbour resize to exactly 512x512 when a side is
  over 512, then PDQ of the RGB luma. Use it to agree with hashes partners computed.
* ``fast`` (ingest's default) decodes JPEGs over 512 px in luma only (the JPEG Y channel is
  PDQ's luma) and at the smallest DCT scale (1/2..1/8) that keeps 512 px a side, and takes
  the same 512x512 nearest samples as the reference from that (see
  :mod:`vigil.signals.pdq_fast`). Other images take the reference path.
  ``bench/pdq_fidelity.py`` measures how close it stays.

:func:`decode_for_hashing` gives the luma a mode hashes, so that
:mod:`vigil.signals.pdq_variants` can hash the picture turned, mirrored and trimmed from the
same decode.
"""

import io
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image

from vigil.media.errors import MediaError
from vigil.media.image import DEFAULT_MAX_PIXELS, decode_image, open_image_header
from vigil.signals.pdq_fast import REFERENCE_SIDE, LumaPicture, pdq_hex

# The facts of the signal (name, radius, quality floor, hex form) and comparing two hashes
# are defined in its light signal-type module; named here too for the hashing code's users.
from vigil.signals.pdq_signal import MATCH_THRESHOLD as MATCH_THRESHOLD
from vigil.signals.pdq_signal import QUALITY_THRESHOLD as QUALITY_THRESHOLD
from vigil.signals.pdq_signal import compare as compare
from vigil.signals.pdq_signal import get_examples as get_examples
from vigil.signals.pdq_signal import validate_hex as validate_hex

#: The fast path asks the JPEG decoder for at least this many pixels a side, so each of the
#: reference's 512 samples along a side comes from its own (averaged) block of pixels.
FAST_DRAFT_SIDE = REFERENCE_SIDE
# Single-channel modes wider than 8 bits, which the reference reads as grey (_wide_grey).
_WIDE_GREY_MODES = ("I", "I;16", "I;16B", "I;16L", "I;16N", "F")
# Modes whose samples cannot be averaged before taking the luma: palette indices, bilevel, and
# wide grey (the reference reads each sample's low byte, which averaging would change).
_AVERAGE_AFTER_LUMA = ("1", "P", *_WIDE_GREY_MODES)
# Pixels converted at a time from wide grey to 8 bits.
_BAND_PIXELS = 1 << 20

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


def _wide_grey(img: Image.Image) -> NDArray[np.uint8]:
    """The 8-bit grey the reference reads from a single-channel image wider than 8 bits.

    The reference loads every image as 8-bit samples, so 16- and 32-bit integer samples keep
    their low byte (a C cast), not a rescaled value: that is what its published hashes encode.
    Taken a band of rows at a time: the whole of a large picture as numpy arrays would be
    several copies of it at up to 4 bytes a pixel.
    """
    width, height = img.size
    grey = np.empty((height, width), dtype=np.uint8)
    rows = max(1, _BAND_PIXELS // max(1, width))
    for top in range(0, height, rows):
        samples = np.asarray(img.crop((0, top, width, min(height, top + rows))))
        # Assignment casts to uint8 as astype would: floats truncate, integers keep the low byte.
        grey[top : top + rows] = np.clip(samples, 0, 255) if img.mode == "F" else samples & 0xFF
    return grey


def _reference_rgb(img: Image.Image) -> NDArray[np.uint8]:
    """The 8-bit RGB pixels the reference hasher sees for an image in any Pillow mode."""
    if img.mode in _WIDE_GREY_MODES:
        return np.repeat(_wide_grey(img)[:, :, None], 3, axis=2)
    try:
        return np.asarray(img.convert("RGB"))
    except ValueError as exc:
        raise MediaError("pdq", f"cannot hash an image in Pillow mode {img.mode!r}") from exc


def _reference_samples(img: Image.Image) -> NDArray[np.uint8]:
    """The RGB the reference hashes: the image's own pixels, or its 512x512 nearest samples.

    The reference keeps pixel ``floor(x * width / 512)``. Offsetting Pillow's pixel-centre
    sampling by half a step gives exactly that floor (steps are multiples of 1/4096, so the
    arithmetic is exact). Sampling commutes with per-pixel mode conversion, so it runs first,
    on the image's own mode.
    """
    if max(img.size) > REFERENCE_SIDE:
        width, height = img.size
        x_step, y_step = width / REFERENCE_SIDE, height / REFERENCE_SIDE
        img = img.transform(
            (REFERENCE_SIDE, REFERENCE_SIDE),
            Image.Transform.AFFINE,
            (x_step, 0, -x_step / 2, 0, y_step, -y_step / 2),
            Image.Resampling.NEAREST,
        )
    return _reference_rgb(img)


def _luma_image(img: Image.Image) -> Image.Image:
    """8-bit luma ("L") of a decoded image, from the pixels the reference sees in it.

    Converted directly where Pillow can (no full-size RGB copy of a large picture), else by
    way of RGB.
    """
    if img.mode == "L":
        return img
    if img.mode in _WIDE_GREY_MODES:
        return Image.fromarray(_wide_grey(img), mode="L")
    try:
        return img.convert("L")
    except ValueError:
        pass
    try:
        return img.convert("RGB").convert("L")
    except ValueError as exc:
        raise MediaError("pdq", f"cannot hash an image in Pillow mode {img.mode!r}") from exc


def decode_luma(img: Image.Image) -> LumaPicture:
    """Decode an image from :func:`open_image_header` to the luma PDQ is computed from.

    JPEGs are decoded in luma only (their Y channel is PDQ's luma) and, when over 512 px,
    at the smallest DCT scale (1/2..1/8) that keeps 512 px a side: each of the reference's
    512 samples along a side then still comes from its own (averaged) block of pixels. Other
    images are decoded at full size.
    """
    width, height = img.size
    scale = 1
    if img.format == "JPEG":
        drafted = img.draft("L", (FAST_DRAFT_SIDE, FAST_DRAFT_SIDE))
        if drafted is not None:
            scale = round(width / drafted[1][2])
    return LumaPicture(_luma_image(decode_image(img)), height, width, scale)


def pdq_reference(img: Image.Image) -> PdqHash:
    """PDQ of a decoded image exactly as Meta's reference hasher computes it."""
    vector, quality = pdqhash.compute(np.ascontiguousarray(_reference_samples(img)))
    # pdqhash returns bits most significant first, the order of the reference's hex output.
    return PdqHash(np.packbits(vector.astype(np.uint8)).tobytes().hex(), int(quality))


def decode_for_hashing(
    img: Image.Image, mode: HashMode = "fast"
) -> tuple[LumaPicture, PdqHash | None]:
    """Decode an image from :func:`open_image_header` for hashing by ``mode``.

    Returns the luma to hash (see :mod:`vigil.signals.pdq_fast`) and, when the mode takes
    the image's own hash from Meta's reference code rather than from that luma, that hash.
    Turned, mirrored and trimmed copies are always hashed from the luma
    (:mod:`vigil.signals.pdq_variants`), so that the image is decoded once.
    """
    if mode not in ("fast", "reference"):
        raise ValueError(f"unknown PDQ mode {mode!r}: use 'fast' or 'reference'")
    # A JPEG of at most 512 px decodes at full scale anyway: there the reference costs little
    # more, and on nearly flat pictures even the Y channel's rounding moves many bits.
    if mode == "fast" and img.format == "JPEG" and max(img.size) > REFERENCE_SIDE:
        return decode_luma(img), None
    decoded = decode_image(img)
    return _reduced_luma(decoded), pdq_reference(decoded)


def _reduced_luma(img: Image.Image) -> LumaPicture:
    """The luma of a decoded image, box-averaged as a drafted JPEG's when it is large.

    Formats without reduced decoding are decoded at full size; their luma is reduced by the
    largest whole factor that keeps 512 px a side (as :func:`decode_luma` drafts a JPEG), so
    that no full-size copy is made beside the decoded pixels. The variants hashed from it
    only serve as queries; the image's own hash comes from the reference samples.
    """
    width, height = img.size
    scale = max(1, min(width, height) // FAST_DRAFT_SIDE)
    if scale == 1:
        return LumaPicture.full_size(_luma_image(img))
    if img.mode in _AVERAGE_AFTER_LUMA:
        luma = _luma_image(img).reduce(scale)
    else:
        luma = _luma_image(img.reduce(scale))
    return LumaPicture(luma, height, width, scale)


def hash_image_bytes(
    data: bytes, mode: HashMode = "fast", *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> PdqHash:
    """PDQ of the image in ``data`` by the given mode (see the module docstring).

    Raises MediaError for files that cannot be decoded (see :func:`open_image_header`) and
    ValueError for an unknown mode.
    """
    picture, reference = decode_for_hashing(open_image_header(data, max_pixels=max_pixels), mode)
    return reference or PdqHash(*pdq_hex(picture))


def example_png() -> bytes:
    """A small generated picture (rings on a ramp) as PNG, whose PDQ is in the examples."""
    rows, columns = np.mgrid[0:96, 0:128].astype(np.float64)
    rings = np.sin(np.hypot(rows - 40, columns - 70) / 5.0)
    grey = np.clip(64 + columns + 60 * rings, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(grey, mode="L").save(out, format="PNG")
    return out.getvalue()
