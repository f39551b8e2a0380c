"""Type sniffing from content: real files made with Pillow and PyAV, and crafted headers."""

from __future__ import annotations

import gzip
import io
import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from tests import imagegen
from vigil.media.errors import MediaError
from vigil.media.sniff import HEADER_BYTES, Sniffed, extension_fits, sniff, sniff_file

IMAGES: dict[str, tuple[Callable[[], bytes], Sniffed]] = {
    "jpeg": (imagegen.make_jpeg, Sniffed("image", "jpeg", "image/jpeg")),
    "png": (imagegen.make_png, Sniffed("image", "png", "image/png")),
    "gif": (imagegen.make_gif, Sniffed("image", "gif", "image/gif")),
    "webp": (imagegen.make_webp, Sniffed("image", "webp", "image/webp")),
    "bmp": (imagegen.make_bmp, Sniffed("image", "bmp", "image/bmp")),
    "tiff-intel": (imagegen.make_tiff, Sniffed("image", "tiff", "image/tiff")),
    "tiff-motorola": (
        lambda: imagegen.make_tiff(big_endian=True),
        Sniffed("image", "tiff", "image/tiff"),
    ),
    "heic": (imagegen.make_heif, Sniffed("image", "heif", "image/heic")),
    "avif": (imagegen.make_avif, Sniffed("image", "avif", "image/avif")),
}


@pytest.mark.parametrize("name", IMAGES)
def test_images_are_sniffed_by_content(name: str) -> None:
    make, expected = IMAGES[name]
    assert sniff(make()[:HEADER_BYTES]) == expected


# (PyAV container format, codec, frame size, muxer options) -> expected sniff result
VIDEOS: dict[str, tuple[str, str, tuple[int, int], dict[str, str], Sniffed]] = {
    "mp4": ("mp4", "mpeg4", (64, 48), {}, Sniffed("video", "mp4", "video/mp4")),
    "mov": ("mov", "mpeg4", (64, 48), {}, Sniffed("video", "mov", "video/quicktime")),
    "avi": ("avi", "mpeg4", (64, 48), {}, Sniffed("video", "avi", "video/x-msvideo")),
    "mkv": ("matroska", "mpeg4", (64, 48), {}, Sniffed("video", "mkv", "video/x-matroska")),
    "webm": ("webm", "libvpx", (64, 48), {}, Sniffed("video", "webm", "video/webm")),
    "3gp": ("3gp", "h263", (176, 144), {}, Sniffed("video", "3gp", "video/3gpp")),
    "3g2": ("3g2", "h263", (176, 144), {}, Sniffed("video", "3gp", "video/3gpp2")),
    "flv": ("flv", "flv", (64, 48), {}, Sniffed("video", "flv", "video/x-flv")),
    "wmv": ("asf", "wmv2", (64, 48), {}, Sniffed("video", "wmv", "video/x-ms-asf")),
    "mpeg": ("mpeg", "mpeg1video", (64, 48), {}, Sniffed("video", "mpeg", "video/mpeg")),
    "ts": ("mpegts", "mpeg2video", (64, 48), {}, Sniffed("video", "ts", "video/mp2t")),
    "m2ts": (
        "mpegts",
        "mpeg2video",
        (64, 48),
        {"mpegts_m2ts_mode": "1"},
        Sniffed("video", "ts", "video/mp2t"),
    ),
}


def make_video(container: str, codec: str, size: tuple[int, int], options: dict[str, str]) -> bytes:
    """Three flat grey frames encoded with PyAV."""
    width, height = size
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container, options=options) as output:
        stream = output.add_stream(codec, rate=25)
        assert isinstance(stream, av.VideoStream)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for level in (0, 80, 160):
            pixels = np.full((height, width, 3), level, np.uint8)
            output.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        output.mux(stream.encode())
    return buffer.getvalue()


@pytest.mark.parametrize("name", VIDEOS)
def test_videos_are_sniffed_by_content(name: str) -> None:
    container, codec, size, options, expected = VIDEOS[name]
    assert sniff(make_video(container, codec, size, options)[:HEADER_BYTES]) == expected


def test_quicktime_without_ftyp_box_is_mov() -> None:
    mov = make_video("mov", "mpeg4", (64, 48), {})
    (ftyp_size,) = struct.unpack(">I", mov[:4])
    rest = mov[ftyp_size:]
    assert rest[4:8] in (b"wide", b"mdat", b"free")  # what old QuickTime files start with
    assert sniff(rest[:HEADER_BYTES]) == Sniffed("video", "mov", "video/quicktime")
    moov_first = struct.pack(">I", 16) + b"moov" + bytes(8)
    assert sniff(moov_first).format == "mov"


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    """An ISO-BMFF ``ftyp`` box followed by an empty ``mdat``."""
    body = major + bytes(4) + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + struct.pack(">I", 8) + b"mdat"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (ftyp(b"mif1", b"mif1", b"heic"), Sniffed("image", "heif", "image/heic")),
        (ftyp(b"mif1", b"mif1", b"miaf"), Sniffed("image", "heif", "image/heif")),
        (ftyp(b"msf1", b"msf1", b"iso8"), Sniffed("image", "heif", "image/heif")),
        (ftyp(b"heix", b"mif1"), Sniffed("image", "heif", "image/heic")),
        (ftyp(b"mif1", b"avif", b"mif1"), Sniffed("image", "avif", "image/avif")),
        (ftyp(b"avis", b"avis", b"msf1"), Sniffed("image", "avif", "image/avif")),
        # A video major brand wins over an image brand listed as compatible.
        (ftyp(b"isom", b"isom", b"avif"), Sniffed("video", "mp4", "video/mp4")),
        (ftyp(b"mp42", b"mp42", b"mif1"), Sniffed("video", "mp4", "video/mp4")),
        (ftyp(b"M4V ", b"M4V ", b"mp42"), Sniffed("video", "mp4", "video/mp4")),
        (ftyp(b"qt  ", b"qt  "), Sniffed("video", "mov", "video/quicktime")),
        (ftyp(b"3gp5", b"3gp5", b"isom"), Sniffed("video", "3gp", "video/3gpp")),
        (ftyp(b"XYZW", b"XYZW"), Sniffed("video", "mp4", "video/mp4")),
        (ftyp(b"M4A ", b"M4A ", b"mp42"), Sniffed("other", "m4a", "audio/mp4")),
    ],
)
def test_ftyp_brands_decide_image_or_video(header: bytes, expected: Sniffed) -> None:
    assert sniff(header) == expected


def ebml_header(doctype: bytes | None) -> bytes:
    """An EBML header element (version 1) with the given DocType, as Matroska files start."""
    body = b"\x42\x86\x81\x01"  # EBMLVersion 1
    if doctype is not None:
        body += b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body + b"\x18\x53\x80\x67"


def test_matroska_and_webm_are_told_apart_by_doctype() -> None:
    assert sniff(ebml_header(b"webm")).format == "webm"
    assert sniff(ebml_header(b"matroska")).format == "mkv"
    assert sniff(ebml_header(None)) == Sniffed("video", "mkv", "video/x-matroska")


def test_extension_that_lies_does_not_matter(tmp_path: Path) -> None:
    disguised = tmp_path / "holiday.jpg"
    imagegen.make_png(disguised)
    assert sniff_file(disguised) == Sniffed("image", "png", "image/png")
    video_as_text = tmp_path / "notes.txt"
    video_as_text.write_bytes(make_video("mp4", "mpeg4", (64, 48), {}))
    assert sniff_file(video_as_text).kind == "video"


@pytest.mark.parametrize(
    ("fmt", "extension", "fits"),
    [
        ("jpeg", "jpg", True),
        ("jpeg", "JPEG", True),
        ("png", "jpg", False),  # media of one format named as another
        ("mp4", "txt", False),  # media named as something else
        ("mov", "mp4", True),
        ("text", "jpg", False),  # not media, named as media: the extension lies too
        ("pdf", "mp4", False),
        ("unknown", "heic", False),
        ("text", "txt", True),
        ("zip", "docx", True),  # other content under other names is not Vigil's to judge
        ("m4a", "mp4", True),
    ],
)
def test_extension_fits_content(fmt: str, extension: str, fits: bool) -> None:
    assert extension_fits(fmt, extension) is fits


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # A fixed date: the bytes end up in the test id, which must not change between runs.
        archive.writestr(zipfile.ZipInfo("readme.txt", date_time=(2020, 1, 1, 0, 0, 0)), "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected_format"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "pdf"),
        (zip_archive(), "zip"),
        (gzip.compress(b"hello", mtime=0), "gzip"),
        (b"Shopping list:\n- coffee\n- caf\xc3\xa9 cr\xc3\xa8me\r\n\tend\n", "text"),
        ("Gr\u00fc\u00dfe aus K\u00f6ln ".encode() * 400, "text"),  # a character cut at 4096
        ("hello".encode("utf-16"), "text"),
        (b"BMW owners club, minutes of the meeting\n" * 10, "text"),  # "BM" but not a bitmap
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
        (random.Random(7).randbytes(HEADER_BYTES), "unknown"),
        (b"\x00\x01\x02\x03 binary", "unknown"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_non_media_is_other(content: bytes, expected_format: str) -> None:
    result = sniff(content[:HEADER_BYTES])
    assert result.kind == "other"
    assert result.format == expected_format


def test_truncated_headers_do_not_raise() -> None:
    for make, expected in IMAGES.values():
        data = make()
        for cut in (1, 2, 3, 5, 11, 17):
            result = sniff(data[:cut])
            assert result.kind in ("image", "other")
        assert sniff(data[:HEADER_BYTES]) == expected
    for header in (ebml_header(b"webm")[:7], ftyp(b"heic")[:10], b"RIFF\x00\x00", b"BM\x00"):
        assert isinstance(sniff(header), Sniffed)


def test_sniff_file_reports_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        sniff_file(tmp_path / "missing.jpg")
    assert caught.value.stage == "read"
    assert "missing.jpg" in caught.value.reason


def test_conformance_media_from_other_encoders(conformance_data: Path) -> None:
    # Files written by other tools than ours; here the extensions happen to be honest.
    by_extension = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp", ".mp4": "mp4"}
    files = [
        path
        for folder in ("pdq/images", "vpdq/videos")
        for path in sorted((conformance_data / folder).iterdir())
        if path.suffix.lower() in by_extension
    ]
    assert len(files) >= 10
    for path in files:
        result = sniff_file(path)
        assert result.format == by_extension[path.suffix.lower()], path.name
        assert result.kind == ("video" if path.suffix == ".mp4" else "image"), path.name
