"""Tell what a file is from its first bytes, never from its name.

Seized devices are full of renamed files (a video saved as ``.dat``, a photo as ``.txt``), so the
type is decided only by magic numbers and container headers. ``sniff`` needs at most
``HEADER_BYTES`` leading bytes and never raises: anything it does not recognise is ``other``.
"""

from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from vigil.media.errors import MediaError

HEADER_BYTES = 4096
"""How many leading bytes of a file ``sniff`` looks at."""

Kind = Literal["image", "video", "other"]


@dataclass(frozen=True, slots=True)
class Sniffed:
    """What a file's content says it is: ``kind``, a short ``format`` name and a MIME type."""

    kind: Kind
    format: str
    mime: str


def _image(fmt: str, mime: str | None = None) -> Sniffed:
    return Sniffed("image", fmt, mime or f"image/{fmt}")


def _video(fmt: str, mime: str) -> Sniffed:
    return Sniffed("video", fmt, mime)


def _other(fmt: str, mime: str) -> Sniffed:
    return Sniffed("other", fmt, mime)


EMPTY = _other("empty", "application/x-empty")
UNKNOWN = _other("unknown", "application/octet-stream")
TEXT = _other("text", "text/plain")

# Fixed signatures at offset 0, longest first where one is a prefix of another.
_MAGIC: tuple[tuple[bytes, Sniffed], ...] = (
    (b"\x89PNG\r\n\x1a\n", _image("png")),
    (b"\xff\xd8\xff", _image("jpeg")),
    (b"GIF87a", _image("gif")),
    (b"GIF89a", _image("gif")),
    (b"II*\x00", _image("tiff")),
    (b"MM\x00*", _image("tiff")),
    (b"II+\x00", _image("tiff")),  # BigTIFF
    (b"MM\x00+", _image("tiff")),
    (b"FLV\x01", _video("flv", "video/x-flv")),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", _video("wmv", "video/x-ms-asf")),
    (b"%PDF-", _other("pdf", "application/pdf")),
    (b"PK\x03\x04", _other("zip", "application/zip")),
    (b"PK\x05\x06", _other("zip", "application/zip")),
    (b"\x1f\x8b", _other("gzip", "application/gzip")),
    (b"7z\xbc\xaf\x27\x1c", _other("7z", "application/x-7z-compressed")),
    (b"Rar!\x1a\x07", _other("rar", "application/vnd.rar")),
)

# ISO-BMFF ``ftyp`` brands. HEIF/AVIF image sequences (msf1, hevc, avis) are still images to
# an investigator: they are photos from a phone's burst or live-photo mode.
_HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_BRANDS = _HEVC_BRANDS | {b"mif1", b"mif2", b"msf1", b"heif"}
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
# Brands that only video files carry; seeing one as the major brand settles the question
# even if an image brand is listed as compatible.
_VIDEO_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso3",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"mp71",
        b"avc1",
        b"qt  ",
        b"M4V ",
        b"M4VH",
        b"M4VP",
        b"f4v ",
        b"dash",
        b"mmp4",
        b"MSNV",
        b"XAVC",
    }
)
# Atoms a QuickTime file may open with when it has no ``ftyp`` box (older cameras, iPhones).
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})

_BMP_DIB_HEADER_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE_ID = 0x4282
# Bytes that do not occur in text files (tab, newlines and form feed do).
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])


def sniff(header: bytes) -> Sniffed:
    """The type of a file whose first bytes (up to ``HEADER_BYTES``) are ``header``."""
    if not header:
        return EMPTY
    for magic, sniffed in _MAGIC:
        if header.startswith(magic):
            return sniffed
    return (
        _sniff_riff(header)
        or _sniff_bmp(header)
        or _sniff_isobmff(header)
        or _sniff_ebml(header)
        or _sniff_mpeg_ps(header)
        or _sniff_mpeg_ts(header)
        or _sniff_text(header)
        or UNKNOWN
    )


def sniff_file(path: Path) -> Sniffed:
    """The type of the file at ``path``, read from its first ``HEADER_BYTES`` bytes."""
    try:
        with path.open("rb") as f:
            header = f.read(HEADER_BYTES)
    except OSError as e:
        raise MediaError("read", f"cannot read {path}: {e.strerror or e}") from e
    return sniff(header)


def _sniff_riff(header: bytes) -> Sniffed | None:
    if not header.startswith(b"RIFF") or len(header) < 12:
        return None
    form = header[8:12]
    if form == b"WEBP":
        return _image("webp")
    if form in (b"AVI ", b"AVIX"):
        return _video("avi", "video/x-msvideo")
    if form == b"WAVE":
        return _other("wav", "audio/wav")
    return None


def _sniff_bmp(header: bytes) -> Sniffed | None:
    # "BM" alone is too weak (any text can start with it); the DIB header size must be one of
    # the few that exist.
    if not header.startswith(b"BM") or len(header) < 18:
        return None
    (dib_size,) = struct.unpack_from("<I", header, 14)
    return _image("bmp") if dib_size in _BMP_DIB_HEADER_SIZES else None


def _sniff_isobmff(header: bytes) -> Sniffed | None:
    first = _first_box_type(header)
    if first == b"ftyp" and len(header) >= 12:
        (size,) = struct.unpack_from(">I", header, 0)
        return _from_brands(header[8:12], _compatible_brands(header, size))
    if first in _QUICKTIME_ATOMS:
        return _video("mov", "video/quicktime")
    return None


def _first_box_type(header: bytes) -> bytes | None:
    """The type of the ISO-BMFF box the file starts with, if a plausible box header is there."""
    if len(header) < 8:
        return None
    (size,) = struct.unpack_from(">I", header, 0)
    box_type = header[4:8]
    # size 0 = "to end of file", 1 = "64-bit size follows"; 2..7 cannot hold the header itself.
    if 1 < size < 8 or not all(0x20 <= b < 0x7F for b in box_type):
        return None
    return box_type


def _compatible_brands(header: bytes, ftyp_size: int) -> frozenset[bytes]:
    end = min(ftyp_size, len(header))
    return frozenset(header[i : i + 4] for i in range(16, end - 3, 4))


def _from_brands(major: bytes, compatible: frozenset[bytes]) -> Sniffed:
    is_video_major = major in _VIDEO_BRANDS or major[:3] in (b"3gp", b"3g2")
    if major in _AVIF_BRANDS or (not is_video_major and compatible & _AVIF_BRANDS):
        return _image("avif")
    if major in _HEIF_BRANDS or (not is_video_major and compatible & _HEIF_BRANDS):
        hevc_coded = (compatible | {major}) & _HEVC_BRANDS
        return _image("heif", "image/heic" if hevc_coded else "image/heif")
    if major in _AUDIO_BRANDS:
        return _other("m4a", "audio/mp4")
    if major.startswith(b"3g2"):
        return _video("3gp", "video/3gpp2")
    if major.startswith(b"3gp"):
        return _video("3gp", "video/3gpp")
    if major == b"qt  ":
        return _video("mov", "video/quicktime")
    # Every other brand (there are hundreds, many vendor-specific) is an MP4 variant: let the
    # video decoder try it rather than drop evidence as "other".
    return _video("mp4", "video/mp4")


def _sniff_ebml(header: bytes) -> Sniffed | None:
    if not header.startswith(_EBML_MAGIC):
        return None
    if _ebml_doctype(header) == b"webm":
        return _video("webm", "video/webm")
    return _video("mkv", "video/x-matroska")


def _ebml_doctype(header: bytes) -> bytes | None:
    """The DocType string of an EBML header, or None if it cannot be found in ``header``."""
    size_and_len = read_ebml_size(header, len(_EBML_MAGIC))
    if size_and_len is None:
        return None
    body_size, pos = size_and_len
    end = min(pos + body_size, len(header))
    while pos < end:
        element_id = read_ebml_id(header, pos)
        if element_id is None:
            return None
        eid, pos = element_id
        size_and_len = read_ebml_size(header, pos)
        if size_and_len is None:
            return None
        size, pos = size_and_len
        if eid == _EBML_DOCTYPE_ID:
            return header[pos : pos + size].rstrip(b"\x00")
        pos += size
    return None


def _vint_length(first: int) -> int:
    """Length in bytes of an EBML variable-size integer from its first byte (0 if invalid)."""
    for length in range(1, 9):
        if first & (0x80 >> (length - 1)):
            return length
    return 0


def read_ebml_id(data: bytes, pos: int) -> tuple[int, int] | None:
    """The EBML element ID at ``pos`` and the position after it; None if it is not one.

    IDs keep their length-marker bits, unlike sizes.
    """
    if pos >= len(data):
        return None
    length = _vint_length(data[pos])
    if not 1 <= length <= 4 or pos + length > len(data):
        return None
    return int.from_bytes(data[pos : pos + length], "big"), pos + length


def read_ebml_size(data: bytes, pos: int) -> tuple[int, int] | None:
    """The EBML variable-size integer at ``pos`` and the position after it; None if invalid."""
    if pos >= len(data):
        return None
    length = _vint_length(data[pos])
    if length == 0 or pos + length > len(data):
        return None
    value = int.from_bytes(data[pos : pos + length], "big")
    return value & ((1 << (7 * length)) - 1), pos + length


def _sniff_mpeg_ts(header: bytes) -> Sniffed | None:
    # A transport stream is fixed-size packets each starting with the sync byte 0x47: 188 bytes,
    # or 192 with a 4-byte timestamp first (M2TS, as AVCHD camcorders write). One sync byte is a
    # coincidence; every packet start in the header carrying one is a stream.
    for offset, packet in ((0, 188), (4, 192)):
        syncs = header[offset::packet]
        if len(syncs) >= 3 and syncs.count(0x47) == len(syncs):
            return _video("ts", "video/mp2t")
    return None


def _sniff_mpeg_ps(header: bytes) -> Sniffed | None:
    # Checked after ISO-BMFF: a box of size 0x1BA would otherwise look like a pack header.
    if header.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")):
        return _video("mpeg", "video/mpeg")
    return None


def _sniff_text(header: bytes) -> Sniffed | None:
    if header.startswith((b"\xff\xfe", b"\xfe\xff")):
        return TEXT  # UTF-16 byte-order mark
    # translate() deletes in C, several times faster than a regex search over the header.
    if len(header.translate(None, _CONTROL_BYTES)) != len(header):
        return None
    try:
        # final=False: the header may cut a multi-byte character in half at its end.
        codecs.getincrementaldecoder("utf-8")().decode(header, final=False)
    except UnicodeDecodeError:
        return None
    return TEXT


# File name extensions that fit each media format; any other extension on such a file is a
# mismatch worth flagging (files are renamed to hide them).
_EXTENSIONS: dict[str, frozenset[str]] = {
    "jpeg": frozenset({"jpg", "jpeg", "jpe", "jfif"}),
    "png": frozenset({"png"}),
    "gif": frozenset({"gif"}),
    "webp": frozenset({"webp"}),
    "bmp": frozenset({"bmp", "dib"}),
    "tiff": frozenset({"tif", "tiff", "dng"}),
    "heif": frozenset({"heic", "heif", "hif"}),
    "avif": frozenset({"avif"}),
    "mp4": frozenset({"mp4", "m4v", "mov"}),
    "mov": frozenset({"mov", "qt", "mp4"}),
    "avi": frozenset({"avi"}),
    "mkv": frozenset({"mkv"}),
    "webm": frozenset({"webm"}),
    "3gp": frozenset({"3gp", "3g2"}),
    "flv": frozenset({"flv"}),
    "wmv": frozenset({"wmv", "asf"}),
    "mpeg": frozenset({"mpg", "mpeg", "vob"}),
    "ts": frozenset({"ts", "mts", "m2ts"}),
    # Audio in an MP4 container is not media Vigil hashes, but carries an MP4-family name.
    "m4a": frozenset({"m4a", "m4b", "m4p", "mp4"}),
}
# Every extension that claims one of the formats above: a file of any other content that
# carries one (a text file named .jpg) lies about what it is.
_CLAIMED = frozenset().union(*_EXTENSIONS.values())


def extension_fits(fmt: str, extension: str) -> bool:
    """Whether a file name ``extension`` (no dot, any case) fits content of format ``fmt``.

    A media file fits only the extensions of its format; any other file fits any extension
    that does not claim a media format (so a PDF named ``.jpg`` does not fit, nor a text file
    named ``.mp4``, while a ZIP named ``.docx`` does).
    """
    extension = extension.lower()
    expected = _EXTENSIONS.get(fmt)
    if expected is None:
        return extension not in _CLAIMED
    return extension in expected
