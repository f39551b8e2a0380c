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


@lru_cache(maxsize=32)
def _blur_and_decimate(side: int) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """How each of the 64 samples along a line of ``side`` pixels is made from those pixels.

    Returns ``(taps, weights)``, both 64 x K: sample ``i`` is ``sum(weights[i] * line[taps[i]])``.
    The Jarosz filter only reaches a few pixels, so K stays small and applying it is cheap.
    """
    window = (side + 2 * GRID_SIDE - 1) // (2 * GRID_SIDE)
    # The reference's box is off-centre for even windows: it reaches `ahead` pixels forward.
    ahead = (window + 2) // 2 - 1
    behind = window - 1 - ahead
    positions = np.arange(side)
    first = np.maximum(positions - behind, 0)
    last = np.minimum(positions + ahead, side - 1)
    box = (positions[None, :] >= first[:, None]) & (positions[None, :] <= last[:, None])
    box_mean = box / box.sum(axis=1, keepdims=True)
    centres = ((np.arange(GRID_SIDE) + 0.5) * side / GRID_SIDE).astype(np.intp)
    combined = box_mean[centres]
    for _ in range(_JAROSZ_PASSES - 1):
        combined = combined @ box_mean
    reach = _JAROSZ_PASSES * max(ahead, behind)
    start = np.clip(centres - reach, 0, max(side - 2 * reach - 1, 0))
    taps = np.minimum(start[:, None] + np.arange(2 * reach + 1), side - 1)
    weights = np.take_along_axis(combined, taps, axis=1)
    # Where the line is shorter than the reach, clipped taps repeat a pixel: count it once.
    weights[:, 1:][taps[:, 1:] == taps[:, :-1]] = 0.0
    return taps, weights.astype(np.float32)


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
