"""PDQ of a luma picture and of its turned and mirrored copies, from one decode.

PDQ shrinks a picture over 512 px a side to 512x512 (nearest neighbour: pixel
``floor(x * side / 512)``), blurs the luma with a two-pass Jarosz box filter (window
``ceil(side / 128)``), keeps the 64x64 samples at the cell centres, takes the first 16x16
DCT-II coefficients and thresholds them at their median. Resize, blur and decimation are all
linear and separable, so each of the 64 samples along an axis is a weighted sum of a few
pixels of the decoded picture. Those pixels and weights are worked out once per picture size
(cached); the C kernel in ``_luma.c`` applies them. Results match Meta's C++ code up to
float rounding order.

The decoded luma may be a reduced decode (a JPEG drafted at 1/2..1/8 scale): a pixel of the
picture then lies in decoded pixel ``floor(pixel / scale)``. The turned and mirrored copies
(the dihedral variants) are sampled for real: mirroring changes which pixels each sample
reads, since neither the nearest-neighbour resize nor the blur window is symmetric. Meta's
``compute_dihedral`` instead derives them from the picture's own DCT, as if sampling were
symmetric, which moves the hashes of finely textured pictures by 30-90 bits. Transposing
does commute with sampling, so two row and two column mappings give all eight hashes.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vigil.signals import _luma

GRID_SIDE = 64
#: Images with a side below this get the reference's empty hash with quality 0.
MIN_HASHABLE_SIDE = 5
_JAROSZ_PASSES = 2
_DCT_SIDE = 16
_HASH_BITS = _DCT_SIDE * _DCT_SIDE
_EMPTY_HEX = "0" * (_HASH_BITS // 4)
#: Side beyond which the reference shrinks a picture to REFERENCE_SIDE x REFERENCE_SIDE.
REFERENCE_SIDE = 512


def _dct_matrix() -> NDArray[np.float32]:
    """Rows 1..16 of the 64-point DCT-II, scaled as in the reference (``sqrt(2/64)``)."""
    rows = np.arange(1, _DCT_SIDE + 1, dtype=np.float64)[:, None]
    cols = np.arange(GRID_SIDE, dtype=np.float64)[None, :]
    matrix: NDArray[np.float64] = np.sqrt(2.0 / GRID_SIDE) * np.cos(
        np.pi / (2 * GRID_SIDE) * rows * (2 * cols + 1)
    )
    return matrix.astype(np.float32)


_DCT = _dct_matrix()


def _box(
    points: NDArray[np.intp], side: int, window: int
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """The reference's box filter around each of ``points``: pixels read and their weights.

    Near the ends of the line the box is cut short and averages fewer pixels.
    """
    # For even windows the reference's box reaches one pixel further forward than back.
    ahead = (window + 2) // 2 - 1
    taps = points[:, None] + np.arange(ahead + 1 - window, ahead + 1)
    inside = (taps >= 0) & (taps < side)
    return np.clip(taps, 0, side - 1), inside / inside.sum(axis=1, keepdims=True)


@lru_cache(maxsize=32)
def _blur_and_decimate(side: int) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """How each of the 64 samples along a line of ``side`` pixels is made from those pixels.

    Returns ``(taps, weights)``, both 64 x K: sample ``i`` is ``sum(weights[i] * line[taps[i]])``.
    The Jarosz filter reaches only a few pixels, so K is small and applying it is cheap.
    """
    window = (side + 2 * GRID_SIDE - 1) // (2 * GRID_SIDE)
    centres = ((np.arange(GRID_SIDE) + 0.5) * side / GRID_SIDE).astype(np.intp)
    # Follow each sample back through the passes: each pixel it reads was itself a box mean.
    taps, weights = centres[:, None], np.ones((GRID_SIDE, 1))
    for _ in range(_JAROSZ_PASSES):
        box_taps, box_weights = _box(taps.ravel(), side, window)
        taps = box_taps.reshape(GRID_SIDE, -1)
        weights = (weights[:, :, None] * box_weights.reshape(GRID_SIDE, -1, window)).reshape(
            GRID_SIDE, -1
        )
    # Gather the paths into one contiguous run of pixels per sample.
    dense = np.zeros((GRID_SIDE, side))
    np.add.at(dense, (np.arange(GRID_SIDE)[:, None], taps), weights)
    covered = dense > 0
    first = covered.argmax(axis=1)
    width = int((side - covered[:, ::-1].argmax(axis=1) - first).max())
    run = np.minimum(first, side - width)[:, None] + np.arange(width)
    return run, np.take_along_axis(dense, run, axis=1).astype(np.float32)


#: The eight ways to turn or mirror a picture, named after the Pillow ``Image.Transpose``
#: operation that performs each: rotations are counter-clockwise, "mirror_x" is
#: FLIP_LEFT_RIGHT, "mirror_y" FLIP_TOP_BOTTOM, "transpose" swaps rows and columns (mirror in
#: the main diagonal) and "transverse" mirrors in the other diagonal.
DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "mirror_x",
    "mirror_y",
    "transpose",
    "transverse",
)
# Each variant as (mirror top-bottom, mirror left-right, then transpose) of the picture:
# rot90(a) is a[:, ::-1].T, rot270(a) is a[::-1, :].T, and so on.
_DIHEDRAL_STEPS = {
    "original": (0, 0, False),
    "rotate90": (0, 1, True),
    "rotate180": (1, 1, False),
    "rotate270": (1, 0, True),
    "mirror_x": (0, 1, False),
    "mirror_y": (1, 0, False),
    "transpose": (0, 0, True),
    "transverse": (1, 1, True),
}


@dataclass(frozen=True)
class LumaPicture:
    """A picture's luma as decoded, possibly at reduced scale, and the picture's own size.

    Decoded pixel ``(i, j)`` covers the picture's pixels ``[i * scale, (i + 1) * scale)`` on
    each axis. ``luma`` is a Pillow image of mode "L": the C kernel reads it in place.
    """

    luma: Image.Image
    height: int
    width: int
    scale: int = 1

    def __post_init__(self) -> None:
        if self.luma.mode != "L":
            raise ValueError(f"PDQ hashes 8-bit luma (mode 'L'), not mode {self.luma.mode!r}")

    @classmethod
    def full_size(cls, luma: Image.Image | NDArray[np.uint8]) -> "LumaPicture":
        """A picture decoded at full size, from an "L" image or a rows x columns array."""
        image = luma if isinstance(luma, Image.Image) else Image.fromarray(luma, mode="L")
        width, height = image.size
        return cls(image, height, width)


@lru_cache(maxsize=64)
def _axis_taps(
    length: int, offset: int, scale: int, decoded: int, samples: int
) -> tuple[NDArray[np.int32], NDArray[np.float32]]:
    """Decoded pixels and weights of the 64 samples along one axis of a picture.

    The picture spans ``length`` pixels from ``offset`` (a trimmed picture starts inside its
    canvas), is resized to ``samples`` by nearest neighbour, then blurred and decimated.
    Returns taps ``[2][64][K]`` (as the picture lies, then mirrored) and weights ``[64][K]``.
    """
    kept = np.arange(samples, dtype=np.int64) * length // samples
    as_is = (offset + kept) // scale
    mirrored = (offset + length - 1 - kept) // scale
    run, weights = _blur_and_decimate(samples)
    taps = np.stack([as_is[run], mirrored[run]]).clip(0, decoded - 1).astype(np.int32)
    return taps, np.ascontiguousarray(weights)


# What the kernel computes for each mode of hashing: (row mapping, column mapping, transposed)
# per hash, mapping 1 being the mirrored one.
_ORIGINAL_ONLY = bytes([0, 0, 0])
_ALL_VARIANTS = b"".join(
    bytes([flip_rows, flip_cols, int(transposed)])
    for flip_rows, flip_cols, transposed in (_DIHEDRAL_STEPS[name] for name in DIHEDRAL_NAMES)
)


def _hashes(
    picture: LumaPicture, box: tuple[int, int, int, int] | None, variants: bytes
) -> tuple[list[str], int]:
    """The hex hashes of ``variants`` and the quality, or empty hashes if too small.

    ``box`` is (top, bottom, left, right) in decoded pixels: hash only that part.
    """
    cols, rows = picture.luma.size
    scale = picture.scale
    if box is None:
        top, left, height, width = 0, 0, picture.height, picture.width
    else:
        top, left = box[0] * scale, box[2] * scale
        height = min(box[1] * scale, picture.height) - top
        width = min(box[3] * scale, picture.width) - left
    resized = max(height, width) > REFERENCE_SIDE
    sample_rows = REFERENCE_SIDE if resized else height
    sample_cols = REFERENCE_SIDE if resized else width
    count = len(variants) // 3
    if min(sample_rows, sample_cols) < MIN_HASHABLE_SIDE:
        return [_EMPTY_HEX] * count, 0
    mappings = 1 + max(max(variants[0::3]), max(variants[1::3]))
    row_taps, row_weights = _axis_taps(height, top, scale, rows, sample_rows)
    col_taps, col_weights = _axis_taps(width, left, scale, cols, sample_cols)
    packed, quality = _luma.hashes(
        picture.luma,
        rows,
        cols,
        row_taps[:mappings],
        row_weights,
        col_taps[:mappings],
        col_weights,
        _DCT,
        variants,
    )
    digits = packed.hex()
    return [digits[start : start + 64] for start in range(0, len(digits), 64)], quality


def pdq_hex(picture: LumaPicture, box: tuple[int, int, int, int] | None = None) -> tuple[str, int]:
    """PDQ of the picture (or of ``box`` in it): 64 hex digits and quality 0..100.

    ``box`` is (top, bottom, left, right) in decoded pixels: hash only that part.
    """
    hexes, quality = _hashes(picture, box, _ORIGINAL_ONLY)
    return hexes[0], quality


def pdq_dihedral(
    picture: LumaPicture, box: tuple[int, int, int, int] | None = None
) -> tuple[dict[str, str], int]:
    """PDQ of the picture and of its seven turned and mirrored copies, by DIHEDRAL_NAMES.

    ``result["rotate90"]`` is the PDQ of the picture rotated 90 degrees counter-clockwise, as
    the reference would compute it from that rotated picture. All eight share the picture's
    quality. ``box`` is as for :func:`pdq_hex`.
    """
    hexes, quality = _hashes(picture, box, _ALL_VARIANTS)
    return dict(zip(DIHEDRAL_NAMES, hexes, strict=True)), quality
