"""A JPEG claiming more pixels than its data can hold is refused, not filled with grey."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from tests.imagegen import make_image, make_jpeg, make_jpeg_claiming
from vigil.ingest.records import FileTask
from vigil.ingest.worker import WorkerOptions, process_file
from vigil.media.errors import MediaError
from vigil.media.image import open_image_header
from vigil.media.jpeg import check_data_fits_size


@pytest.mark.parametrize("mode", ["fast", "reference"])
def test_jpeg_claiming_144_megapixels_over_64x64_of_data_is_refused(
    tmp_path: Path, mode: str
) -> None:
    data = make_jpeg_claiming(12000, 12000)
    (tmp_path / "big.jpg").write_bytes(data)
    task = FileTask(b"big.jpg", len(data), 0.0)
    result = process_file(
        os.fsencode(tmp_path),
        task,
        WorkerOptions(pdq_mode="fast" if mode == "fast" else "reference"),
    )
    assert result.media is None
    assert result.error_stage == "decode"
    assert result.sha256 is not None
    assert result.error_reason == (
        f"jpeg: the JPEG declares 12000x12000 pixels but holds {len(data):,} bytes, fewer than "
        "the 281,250 that many pixels need at the least: its data is truncated or its header "
        "altered"
    )


def test_the_check_runs_before_any_decoding() -> None:
    with pytest.raises(MediaError, match="declares 4000x3000 pixels"):
        open_image_header(make_jpeg_claiming(4000, 3000))


@pytest.mark.parametrize("progressive", [False, True])
def test_flat_pictures_compressed_to_the_bone_still_pass(progressive: bool) -> None:
    # A flat picture with optimised Huffman tables is about the least data a JPEG can hold:
    # still at least a bit per 8x8 block.
    buffer = io.BytesIO()
    Image.new("L", (4000, 3000), 255).save(
        buffer, "JPEG", quality=1, optimize=True, progressive=progressive
    )
    data = buffer.getvalue()
    assert open_image_header(data).size == (4000, 3000)


def test_ordinary_photos_pass() -> None:
    assert open_image_header(make_jpeg(size=(1600, 1200))).size == (1600, 1200)


def test_arithmetic_coded_jpegs_are_left_to_the_decoder() -> None:
    # Arithmetic coding can spend less than a bit on a flat block: no bound holds for it.
    data = bytearray(make_jpeg_claiming(12000, 12000))
    frame = data.index(b"\xff\xc0")
    data[frame + 1] = 0xC9
    check_data_fits_size(bytes(data), 12000, 12000)


def test_the_claim_is_judged_on_the_whole_picture() -> None:
    small = make_image(size=(64, 64))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG")
    data = buffer.getvalue()
    blocks = len(data) * 8  # exactly as many 8x8 blocks as the file has bits: still possible
    check_data_fits_size(data, 8 * blocks, 8)
    with pytest.raises(MediaError):
        check_data_fits_size(data, 8 * (blocks + 1), 8)
