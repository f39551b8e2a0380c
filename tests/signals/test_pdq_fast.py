"""PDQ from luma: agreement with Meta's code, reduced-scale decodes, trimmed boxes, the C kernel."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest
from PIL import Image

from tests import imagegen
from vigil.signals import _pdq_grid
from vigil.signals.pdq import compare
from vigil.signals.pdq_fast import LumaPicture, pdq_dihedral, pdq_hex


def grey(size: tuple[int, int], seed: int) -> np.ndarray:
    return np.asarray(imagegen.make_image(size=size, seed=seed).convert("L"))


def meta_hash(luma: np.ndarray) -> tuple[str, int]:
    """pdqhash on the grey picture, after the reference tool's nearest resize to 512x512."""
    rows, cols = luma.shape
    if max(rows, cols) > 512:
        luma = luma[np.arange(512) * rows // 512][:, np.arange(512) * cols // 512]
    vector, quality = pdqhash.compute(np.ascontiguousarray(np.repeat(luma[:, :, None], 3, 2)))
    return np.packbits(vector.astype(np.uint8)).tobytes().hex(), int(quality)


@pytest.mark.parametrize(
    "size", [(96, 64), (504, 378), (333, 77), (64, 64), (1000, 700), (700, 1300), (2000, 90)]
)
def test_pdq_matches_meta_code_on_the_same_pixels(size: tuple[int, int]) -> None:
    luma = grey(size, seed=7)
    ours, quality = pdq_hex(LumaPicture.full_size(luma))
    expected, expected_quality = meta_hash(luma)
    assert compare(ours, expected).distance <= 2  # float rounding order only
    assert quality == expected_quality


def test_reduced_scale_decode_stays_close_to_full_size() -> None:
    # A 1/4-scale decode averages 4x4 blocks, as libjpeg's DCT scaling roughly does.
    big = np.asarray(
        imagegen.make_image(size=(260, 200), seed=3)
        .convert("L")
        .resize((2080, 1600), Image.Resampling.BICUBIC)
    )
    reduced = big.reshape(400, 4, 520, 4).mean(axis=(1, 3)).round().astype(np.uint8)
    full = pdq_hex(LumaPicture.full_size(big))
    quarter = pdq_hex(LumaPicture(np.ascontiguousarray(reduced), 1600, 2080, scale=4))
    assert compare(full[0], quarter[0]).distance <= 8
    assert quarter[1] == full[1]


def test_a_box_hashes_like_the_picture_cut_out() -> None:
    luma = grey((900, 600), seed=5)
    box = (40, 560, 100, 870)  # top, bottom, left, right
    cut = np.ascontiguousarray(luma[40:560, 100:870])
    assert pdq_hex(LumaPicture.full_size(luma), box) == pdq_hex(LumaPicture.full_size(cut))
    whole, _ = pdq_dihedral(LumaPicture.full_size(cut))
    assert pdq_dihedral(LumaPicture.full_size(luma), box)[0] == whole


def test_a_box_on_a_reduced_decode_is_scaled_to_the_picture() -> None:
    luma = grey((1200, 800), seed=6)
    halved = np.ascontiguousarray(luma[::2, ::2])
    # Box in decoded pixels: rows 20..380, columns 50..550 of the half-size decode.
    ours = pdq_hex(LumaPicture(halved, 800, 1200, scale=2), (20, 380, 50, 550))
    expected = pdq_hex(
        LumaPicture.full_size(np.ascontiguousarray(luma[40:760, 100:1100][::2, ::2]))
    )
    assert compare(ours[0], expected[0]).distance <= 16


def test_tiny_pictures_and_boxes_get_the_empty_hash() -> None:
    assert pdq_hex(LumaPicture.full_size(grey((4, 30), seed=1))) == ("0" * 64, 0)
    luma = grey((300, 200), seed=1)
    assert pdq_hex(LumaPicture.full_size(luma), (0, 3, 0, 300)) == ("0" * 64, 0)
    hashes, quality = pdq_dihedral(LumaPicture.full_size(luma), (0, 200, 10, 14))
    assert set(hashes.values()) == {"0" * 64}
    assert quality == 0


def test_the_kernel_refuses_taps_outside_the_image() -> None:
    image = np.zeros((10, 20), dtype=np.uint8)
    weights = np.full((64, 1), 1.0, dtype=np.float32)
    good = np.zeros((1, 64, 1), dtype=np.int32)
    out = np.empty((1, 1, 64, 64), dtype=np.float32)
    bad_row = good.copy()
    bad_row[0, 63, 0] = 10
    with pytest.raises(ValueError, match=r"row tap 63 is 10, outside 0\.\.9"):
        _pdq_grid.sample(image, 10, 20, bad_row, weights, good, weights, out)
    bad_col = good.copy()
    bad_col[0, 5, 0] = -1
    with pytest.raises(ValueError, match="column tap 5 is -1"):
        _pdq_grid.sample(image, 10, 20, good, weights, bad_col, weights, out)
    with pytest.raises(ValueError, match="image holds 200 bytes, expected 210"):
        _pdq_grid.sample(image, 10, 21, good, weights, good, weights, out)
    with pytest.raises(ValueError, match="output holds"):
        _pdq_grid.sample(image, 10, 20, good, weights, good, weights, out[:, :, :32])


def test_the_kernel_applies_the_weights_it_is_given() -> None:
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, (30, 40), dtype=np.uint8)
    row_taps = rng.integers(0, 30, (2, 64, 3), dtype=np.int32)
    col_taps = rng.integers(0, 40, (2, 64, 2), dtype=np.int32)
    row_weights = rng.random((64, 3), dtype=np.float32)
    col_weights = rng.random((64, 2), dtype=np.float32)
    out = np.empty((2, 2, 64, 64), dtype=np.float32)
    _pdq_grid.sample(image, 30, 40, row_taps, row_weights, col_taps, col_weights, out)
    pixels = image.astype(np.float64)
    for r in range(2):
        band = np.einsum("ik,ikc->ic", row_weights, pixels[row_taps[r]])
        for c in range(2):
            expected = np.einsum("jk,ijk->ij", col_weights, band[:, col_taps[c]])
            np.testing.assert_allclose(out[r, c], expected, rtol=1e-5)
