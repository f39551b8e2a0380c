"""Finding the picture inside uniform borders: letterbox and pillarbox bars, plain frames.

A copy shown on a wider or taller canvas gets bars of one colour along two or four sides, and
PDQ of the whole canvas is far from PDQ of the picture. Trimming the bars first (the
"unletterbox" preprocessing of Meta's threatexchange tools) gives back a hash close to the
picture's own. Here a border is any uniform colour, not only black, and each side is measured
on its own: a band of lines at an edge counts as border while every pixel in it stays within
:data:`BORDER_TOLERANCE` of the colour of the outermost line.

Works on whatever pixels the caller hashes: a luma array (rows x columns), an 8-bit colour
array (rows x columns x channels) or a decoded luma image, so no image is decoded twice.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vigil.signals import _luma

#: How far (0..255, in any channel) a pixel may be from the edge colour and still be border.
#: JPEG noise in a flat bar stays within a few levels; picture content rarely keeps a whole
#: line this flat.
BORDER_TOLERANCE = 16
#: A side is bordered when its uniform band is at least this share of the side (one cell of
#: PDQ's 64x64 grid); thinner bands move the hash too little to be worth a second hash.
MIN_BORDER_SHARE = 1 / 64
#: What is left must be at least this share of each side. Less means a mostly flat picture
#: (a small object on a plain background, or a blank image) rather than a letterboxed one,
#: and a hash of so few samples would be unreliable.
MIN_PICTURE_SHARE = 1 / 4


@dataclass(frozen=True)
class PictureBox:
    """Where the picture lies inside its borders, as slice bounds of rows and columns."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index an array with these to get the picture without its borders (a view)."""
        return slice(self.top, self.bottom), slice(self.left, self.right)


def _off_colour(band: NDArray[Any], colour: NDArray[Any], tolerance: float) -> NDArray[np.bool_]:
    """Which pixels of ``band`` are more than ``tolerance`` from ``colour``.

    On 8-bit pixels that is being outside whole-number bounds, compared without widening.
    """
    if band.dtype != np.uint8:
        off: NDArray[np.bool_] = np.abs(band - colour) > tolerance
        return off
    low = np.clip(np.ceil(colour - tolerance), 0, 255).astype(np.uint8)
    high = np.clip(np.floor(colour + tolerance), 0, 255).astype(np.uint8)
    outside: NDArray[np.bool_] = (band < low) | (band > high)
    return outside


def _border_depth(lines: NDArray[np.generic], limit: int, tolerance: float) -> int:
    """How many of ``lines`` (first axis, outermost first, at most ``limit``) are border.

    Most pictures fail on their outermost line, so that one is checked alone first; then
    bands of doubling depth, so a plain sky costs a few lines rather than the whole limit.
    """
    # Cheap test first: a line spanning more than twice the tolerance cannot be uniform.
    if np.ptp(lines[0], axis=0).max() > 2 * tolerance:
        return 0
    edge_colour = np.median(lines[0], axis=0)
    start, depth = 0, 8
    while start < limit:
        band = lines[start : min(depth, limit)]
        off_colour = _off_colour(band, edge_colour, tolerance).reshape(len(band), -1).any(axis=1)
        if off_colour.any():
            return start + int(off_colour.argmax())
        start, depth = start + len(band), depth * 2
    return limit


def find_picture_box(
    pixels: NDArray[np.generic], *, tolerance: float = BORDER_TOLERANCE
) -> PictureBox | None:
    """The picture inside uniform borders of ``pixels``, or None when there are none.

    ``pixels`` is rows x columns (luma) or rows x columns x channels. None also when what
    would remain is under :data:`MIN_PICTURE_SHARE` of a side: nothing is trimmed then.
    """
    rows, cols = pixels.shape[:2]
    across = pixels.swapaxes(0, 1)
    row_limit = rows - math.ceil(rows * MIN_PICTURE_SHARE)
    col_limit = cols - math.ceil(cols * MIN_PICTURE_SHARE)
    if row_limit <= 0 or col_limit <= 0:
        return None
    top = _border_depth(pixels, row_limit, tolerance)
    bottom = _border_depth(pixels[::-1], row_limit, tolerance)
    left = _border_depth(across, col_limit, tolerance)
    right = _border_depth(across[::-1], col_limit, tolerance)
    bordered = max(top, bottom) >= rows * MIN_BORDER_SHARE or (
        max(left, right) >= cols * MIN_BORDER_SHARE
    )
    if not bordered or top + bottom > row_limit or left + right > col_limit:
        return None
    return PictureBox(top, rows - bottom, left, cols - right)


def find_picture_box_in_luma(
    image: Image.Image, *, tolerance: float = BORDER_TOLERANCE
) -> PictureBox | None:
    """:func:`find_picture_box` of a decoded 8-bit luma image (Pillow mode "L").

    Most pictures have no uniform outermost line at all: that is checked on the four lines
    alone, in place, and only a picture that has one is copied into an array and measured.
    """
    if image.mode != "L":
        raise ValueError(f"expected a luma image (mode 'L'), not mode {image.mode!r}")
    width, height = image.size
    # A line of a range over twice the tolerance cannot be uniform (see _border_depth); the
    # spreads are integers, so over the floor of that is the same as over it.
    uniform = 2 * tolerance
    spreads = _luma.edge_spreads(image, height, width, math.floor(uniform))
    if all(spread > uniform for spread in spreads):
        return None
    pixels = np.frombuffer(_luma.pixels(image, height, width), dtype=np.uint8)
    return find_picture_box(pixels.reshape(height, width), tolerance=tolerance)
