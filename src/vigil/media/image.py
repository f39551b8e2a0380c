"""Decode still images held in memory, safely.

The ingest worker reads each file once, hashes the bytes and decodes from the same buffer, so
everything here takes ``bytes``. A seized device holds hostile files as often as broken ones:
the pixel count is checked from the header before any pixel is decoded, and every way a
decoder can fail becomes a :class:`MediaError` with stage ``decode``.

Pixels are returned as stored: EXIF orientation is deliberately *not* applied, because the
PDQ reference hasher ignores it and hashes must agree with the ones partners compute.
"""

import io
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pillow_heif
from PIL import Image, UnidentifiedImageError

from vigil.media.errors import MediaError
from vigil.media.jpeg import check_data_fits_size

pillow_heif.register_heif_opener()

#: Largest picture decoded by default: a 108-megapixel phone photo passes, and the limit sits
#: just under Pillow's own hard decompression-bomb limit so that our message is the one seen.
DEFAULT_MAX_PIXELS = 178_000_000
#: Memory a decode takes per pixel, in bytes: Pillow holds most modes at 4 bytes a pixel, and
#: hashing adds at most a 1-byte luma beside it. The pixel limit is stated at this cost.
DECODE_BYTES_PER_PIXEL = 5
# Decoders that hold more than that (measured peaks): libwebp's canvas and a bytes copy of it
# beside Pillow's pixels, libheif's own RGB buffer beside them. Their pixel limit is lowered
# in proportion, so that the limit bounds a worker's memory whatever the format.
_COSTLIER_DECODES = {"WEBP": 16, "HEIF": 8}

# What Pillow's decoders raise on broken input. Anything else is a bug and is left to surface.
_DECODER_FAILURES = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    struct.error,
    Image.DecompressionBombError,
    RuntimeError,  # pillow_heif's error for whatever libheif refuses (its documented type)
)


@contextmanager
def _decoding() -> Iterator[None]:
    """Turn decoder failures into MediaError and keep Pillow's bomb warning out of the logs.

    The warning is silenced rather than raised because :func:`open_image_header` applies its
    own, caller-chosen limit right after; Pillow's global limits are never changed.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            yield
    except Image.DecompressionBombError as exc:
        raise MediaError("decode", f"image is too large to decode safely ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise MediaError("decode", "not an image in a format Vigil can decode") from exc
    except _DECODER_FAILURES as exc:
        raise MediaError("decode", f"corrupt or truncated image: {exc}") from exc


def pixel_limit(image_format: str | None, max_pixels: int = DEFAULT_MAX_PIXELS) -> int:
    """The most pixels decoded in ``image_format`` under ``max_pixels``' memory allowance."""
    cost = _COSTLIER_DECODES.get(image_format or "", DECODE_BYTES_PER_PIXEL)
    return max_pixels * DECODE_BYTES_PER_PIXEL // cost


def open_image_header(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Read only the header of the image in ``data`` and check its size; decode nothing.

    Callers that want a reduced decode (``Image.draft`` on JPEGs) do so on the result and then
    call :func:`decode_image`. Raises MediaError("decode") for unknown formats, empty images
    and images over ``max_pixels`` pixels (fewer for formats whose decoder needs more memory,
    see :func:`pixel_limit`).
    """
    with _decoding():
        img = Image.open(io.BytesIO(data))
    width, height = img.size
    if width <= 0 or height <= 0:
        raise MediaError("decode", f"image header gives an empty size {width}x{height}")
    limit = pixel_limit(img.format, max_pixels)
    if width * height > limit:
        raise MediaError(
            "decode",
            f"image is {width}x{height} = {width * height:,} pixels, over the limit of "
            f"{limit:,} for {img.format or 'this format'} (possible decompression bomb)",
        )
    if img.format == "JPEG":  # libjpeg would fill a picture its data cannot hold with grey
        check_data_fits_size(data, width, height)
    return img


def decode_image(img: Image.Image) -> Image.Image:
    """Decode the pixels of an image from :func:`open_image_header` (its first frame only)."""
    with _decoding():
        img.load()
    return img


def open_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decode the first frame of the image in ``data``, pixels as stored, in its own mode.

    Supports JPEG, PNG, GIF, WebP, BMP, TIFF and HEIC/HEIF. Raises MediaError("decode") for
    anything that is not such an image, is corrupt or truncated, or has more than
    ``max_pixels`` pixels (checked from the header, before decoding).
    """
    return decode_image(open_image_header(data, max_pixels=max_pixels))
