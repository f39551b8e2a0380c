"""PDQ computed in numpy from a luma image, for the fast ingest path.

PDQ blurs the luma with a two-pass Jarosz box filter (window ``ceil(side / 128)``), keeps the
64x64 samples at the cell centres, takes the first 16x16 DCT-II coefficients and thresholds
them at their median. Blur and decimation are linear and separable, so for each image side
they fold into one 64xN matrix (cached): a picture costs two small matrix products instead of
filtering every pixel. Results match Meta's C++ code up to float rounding order.
"""

from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

GRID_SIDE = 64
#: Images with a side below this get the reference's empty hash with quality 0.
MIN_HASHABLE_SIDE = 5
_JAROSZ_PASSES = 2
_DCT_SIDE = 16
_HASH_BITS = _DCT_SIDE * _DCT_SIDE


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


def _quality(grid: NDArray[np.float32]) -> int:
    """The reference's quality: count of significant gradients in the 64x64 downsample."""
    hundred, full_scale = np.float32(100), np.float32(255)
    down = np.trunc((grid[:-1, :] - grid[1:, :]) * hundred / full_scale)
    across = np.trunc((grid[:, :-1] - grid[:, 1:]) * hundred / full_scale)
    gradient_sum = int(np.abs(down).sum() + np.abs(across).sum())
    return min(gradient_sum // 90, 100)


def pdq_hex_from_luma(luma: NDArray[np.float32]) -> tuple[str, int]:
    """PDQ of a luma image (rows x columns, values 0..255): 64 hex digits and quality 0..100."""
    rows, cols = luma.shape
    if rows < MIN_HASHABLE_SIDE or cols < MIN_HASHABLE_SIDE:
        return "0" * (_HASH_BITS // 4), 0
    row_taps, row_weights = _blur_and_decimate(rows)
    col_taps, col_weights = _blur_and_decimate(cols)
    band = np.einsum("ik,ikc->ic", row_weights, luma[row_taps])
    grid = np.einsum("jk,ijk->ij", col_weights, band[:, col_taps])
    coefficients = (_DCT @ grid @ _DCT.T).ravel()
    # Torben's median in the reference returns the lower of the two middle values.
    median = np.partition(coefficients, _HASH_BITS // 2 - 1)[_HASH_BITS // 2 - 1]
    # Bit k of the hash is coefficient k; hex is written most significant bit first.
    bits = coefficients[::-1] > median
    return np.packbits(bits).tobytes().hex(), _quality(grid)
