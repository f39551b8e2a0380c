"""PDQ computed in numpy from a luma image, for the fast ingest path.

PDQ blurs the luma with a two-pass Jarosz box filter (window ``ceil(side / 128)``), keeps the
64x64 samples at the cell centres, takes the first 16x16 DCT-II coefficients and thresholds
them at their median. Blur and decimation are linear and separable, so for each image side
they fold into one 64xN matrix (cached): a picture costs two small matrix products instead of
filtering every pixel. Results match Meta's C++ code up to float rounding order.

The hashes of the picture turned and mirrored (its dihedral variants) are computed from the
turned samples themselves (see :func:`pdq_dihedral_from_luma` for why not from the DCT).
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
_EMPTY_HEX = "0" * (_HASH_BITS // 4)


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


def _grid_and_coefficients(
    luma: NDArray[np.float32],
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The 64x64 blurred samples of a luma image and their 16x16 DCT block."""
    rows, cols = luma.shape
    row_taps, row_weights = _blur_and_decimate(rows)
    col_taps, col_weights = _blur_and_decimate(cols)
    band = np.einsum("ik,ikc->ic", row_weights, luma[row_taps])
    grid = np.einsum("jk,ijk->ij", col_weights, band[:, col_taps])
    coefficients: NDArray[np.float32] = _DCT @ grid @ _DCT.T
    return grid, coefficients


def _hex_digits(blocks: NDArray[np.float32]) -> list[str]:
    """Each 16x16 DCT block (stacked on the first axis) thresholded at its median, as hex."""
    flat = blocks.reshape(len(blocks), _HASH_BITS)
    # Torben's median in the reference returns the lower of the two middle values.
    medians = np.partition(flat, _HASH_BITS // 2 - 1, axis=1)[:, _HASH_BITS // 2 - 1]
    # Bit k of the hash is coefficient k; hex is written most significant bit first.
    bits = flat[:, ::-1] > medians[:, None]
    return [row.tobytes().hex() for row in np.packbits(bits, axis=1)]


def pdq_hex_from_luma(luma: NDArray[np.float32]) -> tuple[str, int]:
    """PDQ of a luma image (rows x columns, values 0..255): 64 hex digits and quality 0..100."""
    if min(luma.shape) < MIN_HASHABLE_SIDE:
        return _EMPTY_HEX, 0
    grid, coefficients = _grid_and_coefficients(luma)
    return _hex_digits(coefficients[None])[0], _quality(grid)


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


def pdq_dihedral_from_luma(luma: NDArray[np.float32]) -> tuple[dict[str, str], int]:
    """PDQ of a luma image and of its seven turned and mirrored copies, by DIHEDRAL_NAMES.

    ``result["rotate90"]`` is the PDQ of the picture rotated 90 degrees counter-clockwise.
    Meta's code derives the variants from the picture's own DCT, as if PDQ sampled a picture
    symmetrically; it does not (cell centres and the blur window sit one pixel off when
    mirrored), which moves the hashes of finely textured pictures by 30-90 bits. Here the
    turned pictures are sampled for real, cheaply: a mirror only reverses which pixels each
    sample reads, and transposing the picture transposes its grid and DCT block, so four
    blurred grids give all eight hashes. All eight share the picture's quality.
    """
    if min(luma.shape) < MIN_HASHABLE_SIDE:
        return dict.fromkeys(DIHEDRAL_NAMES, _EMPTY_HEX), 0
    rows, cols = luma.shape
    row_taps, row_weights = _blur_and_decimate(rows)
    col_taps, col_weights = _blur_and_decimate(cols)
    bands = [
        np.einsum("ik,ikc->ic", row_weights, luma[taps]) for taps in (row_taps, rows - 1 - row_taps)
    ]
    grids = [
        [
            np.einsum("jk,ijk->ij", col_weights, band[:, taps])
            for taps in (col_taps, cols - 1 - col_taps)
        ]
        for band in bands
    ]
    blocks = []
    for name in DIHEDRAL_NAMES:
        flip_rows, flip_cols, transposed = _DIHEDRAL_STEPS[name]
        block = _DCT @ grids[flip_rows][flip_cols] @ _DCT.T
        blocks.append(block.T if transposed else block)
    hexes = _hex_digits(np.stack(blocks))
    return dict(zip(DIHEDRAL_NAMES, hexes, strict=True)), _quality(grids[0][0])
