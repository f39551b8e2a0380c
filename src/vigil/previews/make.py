"""Making previews: a clear colour thumbnail from the media, a blurred greyscale one from that.

Files are decoded through :mod:`vigil.media`, with its size and decompression-bomb guards: a
preview pass reads the same hostile files as ingest. The blurred image is what pages show by
default, so it is made here, on the server; the browser never holds the clear one until a
reveal.
"""

from __future__ import annotations

import io
import itertools
import struct
from contextlib import suppress
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from vigil.media.errors import MediaError
from vigil.media.image import decode_image, open_image, open_image_header
from vigil.media.sniff import sniff_file
from vigil.media.video import VideoFrames, probe_video

#: Long side of a thumbnail, and of each frame in a video's strip, in pixels.
THUMB_SIZE = 256
#: Frames in a video's strip, sampled evenly over its length.
STRIP_FRAMES = 4
# Seconds between a strip's frames when the container declares no duration.
_STRIP_FALLBACK_SECONDS = 1.0
JPEG_QUALITY = 85
# Pillow's GaussianBlur radius is the standard deviation. At 8% of the short side -- 15 px on a
# 256x192 thumbnail -- everything smaller than about 2.5 sigma (40 px) is smoothed away: eyes,
# mouths, text and tattoos are gone and a face fills at most a few soft blobs, while the layout
# (a person, a room, an outdoor scene) stays, which is what triage needs before a reveal.
BLUR_SHARE = 0.08
# Bad EXIF that Pillow's orientation fix can trip on; the picture is then shown as stored.
_EXIF_FAILURES = (SyntaxError, ValueError, KeyError, TypeError, OSError, struct.error)


def thumbnail(path: Path) -> bytes:
    """A clear colour JPEG preview of the image or video at ``path``.

    Images are shrunk to ``THUMB_SIZE`` pixels on their long side (never enlarged) and turned
    upright from their EXIF orientation; videos give a horizontal strip of ``STRIP_FRAMES``
    frames sampled evenly, each so shrunk. Raises ``MediaError`` for a file that cannot be
    decoded, is over the decoding limits, or is neither an image nor a video.
    """
    sniffed = sniff_file(path)
    if sniffed.kind == "image":
        return _jpeg(_image_thumbnail(path))
    if sniffed.kind == "video":
        return _jpeg(_video_strip(path))
    raise MediaError("decode", f"{path.name}: no preview for {sniffed.format} files")


def blurred(clear_jpeg: bytes) -> bytes:
    """A greyscale, heavily blurred JPEG of a clear preview, the same size.

    Raises ``MediaError`` if ``clear_jpeg`` is not a decodable image.
    """
    grey = open_image(clear_jpeg).convert("L")
    radius = BLUR_SHARE * min(grey.size)
    return _jpeg(grey.filter(ImageFilter.GaussianBlur(radius)))


def _image_thumbnail(path: Path) -> Image.Image:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise MediaError("read", f"cannot read {path}: {exc.strerror or exc}") from exc
    image = open_image_header(data)
    # A JPEG is decoded at the smallest DCT scale still at least THUMB_SIZE: much less work.
    image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))
    image = decode_image(image)
    with suppress(*_EXIF_FAILURES):
        image = ImageOps.exif_transpose(image)
    return _shrunk(image.convert("RGB"))


def _video_strip(path: Path) -> Image.Image:
    duration = probe_video(path).duration
    spacing = duration / STRIP_FRAMES if duration else _STRIP_FALLBACK_SECONDS
    sampled = itertools.islice(VideoFrames(path, seconds_per_frame=spacing), STRIP_FRAMES)
    frames = [_shrunk(Image.fromarray(frame.rgb)) for frame in sampled]
    strip = Image.new("RGB", (sum(f.width for f in frames), max(f.height for f in frames)))
    left = 0
    for frame in frames:
        strip.paste(frame, (left, 0))
        left += frame.width
    return strip


def _shrunk(image: Image.Image) -> Image.Image:
    image.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return image


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
