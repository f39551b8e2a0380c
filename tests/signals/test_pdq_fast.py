"""PDQ from luma: agreement with Meta's code, reduced-scale decodes, trimmed boxes, the C kernel."""

from __future__ import annotations

import numpy as np
import pdqhash
import pytest
from PIL import Image

from tests import imagegen
from vigil.signals import _luma
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
    quarter = pdq_hex(LumaPicture(Image.fromarray(reduced), 1600, 2080, scale=4))
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
    ours = pdq_hex(LumaPicture(Image.fromarray(halved), 800, 1200, scale=2), (20, 380, 50, 550))
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


def kernel_arguments(image: np.ndarray) -> list[object]:
    rows, cols = image.shape
    weights = np.full((64, 1), 1.0, dtype=np.float32)
    taps = np.zeros((1, 64, 1), dtype=np.int32)
    dct = np.zeros((16, 64), dtype=np.float32)
    return [image, rows, cols, taps, weights, taps.copy(), weights, dct, bytes(3)]


def test_the_kernel_refuses_tables_that_do_not_fit_the_image() -> None:
    image = np.zeros((10, 20), dtype=np.uint8)
    _luma.hashes(*kernel_arguments(image))  # as given, the arguments fit
    arguments = kernel_arguments(image)
    arguments[3][0, 63, 0] = 10  # type: ignore[index]
    with pytest.raises(ValueError, match=r"row tap 63 is 10, outside 0\.\.9"):
        _luma.hashes(*arguments)
    arguments = kernel_arguments(image)
    arguments[5][0, 5, 0] = -1  # type: ignore[index]
    with pytest.raises(ValueError, match="column tap 5 is -1"):
        _luma.hashes(*arguments)
    arguments = kernel_arguments(image)
    arguments[2] = 21
    with pytest.raises(ValueError, match="image holds 200 bytes, expected 210"):
        _luma.hashes(*arguments)
    arguments = kernel_arguments(image)
    arguments[8] = bytes([1, 0, 0])
    with pytest.raises(ValueError, match="variant 0 asks for a mapping not given"):
        _luma.hashes(*arguments)
    arguments = kernel_arguments(image)
    arguments[7] = np.zeros((16, 63), dtype=np.float32)
    with pytest.raises(ValueError, match="DCT matrix holds"):
        _luma.hashes(*arguments)


def test_the_kernel_reads_a_pillow_image_in_place_or_refuses_it() -> None:
    luma = grey((300, 200), seed=2)
    as_array = pdq_hex(LumaPicture.full_size(luma))
    assert pdq_hex(LumaPicture(Image.fromarray(luma), 200, 300)) == as_array
    arguments = kernel_arguments(luma)
    arguments[0] = Image.fromarray(luma).convert("RGB")  # exported as a struct of 4 bytes
    with pytest.raises(ValueError, match="Arrow format"):
        _luma.hashes(*arguments)


def test_a_picture_pillow_stores_in_several_blocks_is_read_from_a_copy() -> None:
    # Over Pillow's 16 MB block: its rows are not one run of memory and it cannot be exported.
    luma = np.tile(grey((410, 412), seed=3), (10, 10))  # 4120 x 4100 pixels
    image = Image.fromarray(luma).copy()  # the copy is Pillow's own storage
    with pytest.raises(ValueError, match="contiguous"):
        image.__arrow_c_array__()
    assert pdq_hex(LumaPicture.full_size(image)) == pdq_hex(LumaPicture.full_size(luma.copy()))


def test_edge_spreads_measure_each_outermost_line() -> None:
    image = np.full((6, 8), 100, dtype=np.uint8)
    image[0, 3] = 130  # top line spans 100..130
    image[5, :] = np.arange(8) * 10  # bottom line spans 0..70
    # So the left column spans 0..100 and the right one 70..100.
    assert _luma.edge_spreads(image, 6, 8) == (30, 70, 100, 30)
    assert _luma.edge_spreads(Image.fromarray(image), 6, 8) == (30, 70, 100, 30)
    with pytest.raises(ValueError, match="image holds 48 bytes, expected 49"):
        _luma.edge_spreads(image, 7, 7)


def test_edge_spreads_stop_reading_a_line_once_over_enough() -> None:
    tall = np.full((1000, 3), 100, dtype=np.uint8)
    tall[999, 0] = 90  # the left column is uniform up to its very last pixel
    tall[::7, 2] = 0  # the right column varies from its first pixel
    top, bottom, left, right = _luma.edge_spreads(tall, 1000, 3, 20)
    assert (bottom, left) == (10, 10)  # never over 20: read to the end
    assert top > 20
    assert right > 20  # over 20 early: some range over 20 (here 100, all of it)
    assert _luma.edge_spreads(tall, 1000, 3) == (100, 10, 10, 100)
