"""Safe image decoding from bytes: formats, first frames, stored orientation, hostile files."""

from __future__ import annotations

import io
import struct
import time
import zlib
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from tests import imagegen
from vigil.media.errors import MediaError
from vigil.media.image import decode_image, open_image, open_image_header


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` RGB pixels and holds none of them."""
    fields = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + fields
    ihdr = struct.pack(">I", len(fields)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + iend


@pytest.mark.parametrize(
    ("make", "mode"),
    [
        (imagegen.make_jpeg, "RGB"),
        (imagegen.make_png, "RGB"),
        (imagegen.make_gif, "P"),
        (imagegen.make_webp, "RGB"),
        (imagegen.make_bmp, "RGB"),
        (imagegen.make_tiff, "RGB"),
        (imagegen.make_heif, "RGB"),
    ],
)
def test_decodes_each_supported_format(make: Callable[..., bytes], mode: str) -> None:
    img = open_image(make(size=(96, 64)))
    assert img.size == (96, 64)
    assert img.mode == mode
    assert np.asarray(img).std() > 10  # real pixels, not a blank frame


def test_lossless_pixels_come_back_unchanged() -> None:
    source = imagegen.make_image(size=(40, 30), seed=3)
    img = open_image(imagegen.encode(source, "PNG"))
    assert np.array_equal(np.asarray(img), np.asarray(source))


def test_sixteen_bit_greyscale_keeps_its_mode() -> None:
    img = open_image(imagegen.make_tiff(size=(32, 24), big_endian=True))
    assert img.mode.startswith("I;16")
    assert int(np.asarray(img).max()) > 255


def test_animated_gif_gives_its_first_frame() -> None:
    red, blue = Image.new("RGB", (20, 10), (255, 0, 0)), Image.new("RGB", (20, 10), (0, 0, 255))
    buffer = io.BytesIO()
    red.save(buffer, "GIF", save_all=True, append_images=[blue], duration=100)
    img = open_image(buffer.getvalue())
    assert img.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_exif_orientation_is_not_applied() -> None:
    data = imagegen.make_jpeg(size=(96, 64), exif={"Orientation": 6})
    assert open_image(data).size == (96, 64)


def test_huge_declared_size_is_refused_from_the_header_alone() -> None:
    start = time.perf_counter()
    with pytest.raises(MediaError) as caught:
        open_image(png_header(100_000, 100_000))
    assert time.perf_counter() - start < 1.0
    assert caught.value.stage == "decode"
    assert "too large" in caught.value.reason


def test_pixel_limit_is_the_callers() -> None:
    data = imagegen.make_png(size=(96, 64))
    with pytest.raises(MediaError) as caught:
        open_image(data, max_pixels=96 * 64 - 1)
    assert "96x64" in caught.value.reason
    assert open_image(data, max_pixels=96 * 64).size == (96, 64)


def test_formats_whose_decoder_holds_more_get_fewer_pixels() -> None:
    # libwebp holds about 16 bytes a pixel where Pillow's PNG decoder holds 4-5: at the same
    # memory allowance a WebP may have under a third of a PNG's pixels.
    picture = imagegen.make_image(size=(300, 300), seed=3)
    encoded = {}
    for image_format in ("PNG", "WEBP"):
        buffer = io.BytesIO()
        picture.save(buffer, image_format)
        encoded[image_format] = buffer.getvalue()
    assert open_image_header(encoded["PNG"], max_pixels=100_000).size == (300, 300)
    with pytest.raises(MediaError, match="over the limit of 31,250 for WEBP"):
        open_image_header(encoded["WEBP"], max_pixels=100_000)
    assert open_image_header(encoded["WEBP"], max_pixels=300_000).size == (300, 300)


def test_size_above_pillows_warning_limit_is_ours_to_judge() -> None:
    # 100 megapixels makes Pillow warn (an error under this test suite) but is within our limit.
    before = Image.MAX_IMAGE_PIXELS
    assert open_image_header(png_header(10_000, 10_000)).size == (10_000, 10_000)
    assert before == Image.MAX_IMAGE_PIXELS


def test_header_without_pixels_fails_to_decode() -> None:
    img = open_image_header(png_header(64, 64))
    with pytest.raises(MediaError) as caught:
        decode_image(img)
    assert caught.value.stage == "decode"


def test_truncated_jpeg_is_a_decode_error() -> None:
    data = imagegen.make_jpeg(size=(256, 256))
    with pytest.raises(MediaError) as caught:
        open_image(data[: len(data) // 2])
    assert caught.value.stage == "decode"
    assert "truncated" in caught.value.reason


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\0" * 40])
def test_non_images_are_decode_errors(data: bytes) -> None:
    with pytest.raises(MediaError) as caught:
        open_image(data)
    assert caught.value.stage == "decode"
