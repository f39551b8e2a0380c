"""Camera metadata (EXIF) of an image: which device took it, when, and where.

Make, model and body serial number link photos to one camera (and so across seizures); the
original date and GPS position place them on a timeline and a map.

Corrupt EXIF never stops ingest and never raises. It is read field by field: a field whose value
cannot be understood is left out and its name listed in ``ImageMetadata.unreadable`` (``"exif"``
when the whole block is unreadable), so an investigator can see that something was there, and
every other field is kept. Pillow's warnings about odd tags are silenced while reading (this uses
``warnings.catch_warnings``, which is process-wide: call from one thread per process, as the
ingest pool does).
"""

from __future__ import annotations

import math
import numbers
import re
import struct
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

MAX_TEXT_CHARS = 256
"""Longer text values are cut: a hostile file can carry megabytes in a "Make" tag."""

_T = TypeVar("_T")
_Tags = Mapping[int, Any]

_SERIAL_TAGS = (
    ExifTags.Base.BodySerialNumber,  # 0xA431, the EXIF 2.3 standard tag
    ExifTags.Base.CameraSerialNumber,  # 0xC62F, DNG and some raw converters
    0xFDE9,  # "SerialNumber", written by Adobe Camera Raw / Lightroom
)
_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_UTC_OFFSET = re.compile(r"[+-]\d{2}:\d{2}|Z")
# Errors our own parsing raises on values of the wrong shape.
_BAD_VALUE = (ValueError, TypeError, ArithmeticError, IndexError)


@dataclass(frozen=True, slots=True)
class GpsPosition:
    """Where a photo was taken: decimal degrees (negative south / west), metres above sea."""

    lat: float
    lon: float
    altitude: float | None = None

    def to_json(self) -> dict[str, float]:
        """``{"lat", "lon"}`` plus ``"altitude"`` when known."""
        out = {"lat": self.lat, "lon": self.lon}
        if self.altitude is not None:
            out["altitude"] = self.altitude
        return out


@dataclass(frozen=True, slots=True)
class ImageMetadata:
    """What an image's EXIF says; ``None`` for a field that is absent."""

    make: str | None = None
    model: str | None = None
    serial_number: str | None = None
    software: str | None = None
    datetime_original: str | None = None
    """ISO 8601 local time, with the UTC offset when the camera recorded one."""
    gps: GpsPosition | None = None
    orientation: int | None = None
    """1-8 as in EXIF; 1 is upright."""
    unreadable: tuple[str, ...] = ()
    """Fields present in the file but corrupt, by the names above."""

    def to_json(self) -> dict[str, Any]:
        """``{"exif": {...}}`` holding only the fields present, or ``{}`` when there are none."""
        fields: tuple[tuple[str, str | int | None], ...] = (
            ("make", self.make),
            ("model", self.model),
            ("serial_number", self.serial_number),
            ("software", self.software),
            ("datetime_original", self.datetime_original),
            ("orientation", self.orientation),
        )
        exif: dict[str, Any] = {name: value for name, value in fields if value is not None}
        if self.gps is not None:
            exif["gps"] = self.gps.to_json()
        if self.unreadable:
            exif["unreadable"] = list(self.unreadable)
        return {"exif": exif} if exif else {}


def read_metadata(image: Image.Image) -> ImageMetadata:
    """The EXIF fields of an opened image (JPEG, TIFF, WebP, PNG ``eXIf``, HEIF, AVIF).

    A PNG may store its ``eXIf`` chunk after the pixels, which Pillow reaches only by decoding
    the image: call this after the image is loaded so it is not decoded twice.
    """
    if image.format == "JPEG" and (tags := _plain_jpeg_exif(image)) is not None:
        return _Reader(*tags).metadata()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exif = image.getexif()
        # Pillow's EXIF parser meets hostile bytes here and its failures are not one type
        # (struct.error, SyntaxError, OSError, ValueError, ...): any of them means "unreadable".
        except Exception:
            return ImageMetadata(unreadable=("exif",))
        return _Reader.from_pillow(exif).metadata()


# ---- A JPEG's EXIF block read directly, when it is plainly well formed ----
#
# Pillow parses every tag of a block into Python objects: about 2% of a small photo's
# ingest. Here only the tags read above are decoded, into the values Pillow would give them
# (text as Latin-1 strings, rationals as IFDRational, a single value unwrapped). Anything
# out of the ordinary -- an offset outside the block, a tag of an unexpected type or count,
# a repeated tag, an orientation left to XMP -- gives None, and Pillow reads the block.

_IFD0_TAGS = frozenset(
    {
        ExifTags.Base.Make,
        ExifTags.Base.Model,
        ExifTags.Base.Software,
        ExifTags.Base.Orientation,
        ExifTags.Base.DateTimeOriginal,
        ExifTags.Base.OffsetTimeOriginal,
        *_SERIAL_TAGS,
    }
)
_EXIF_IFD_TAGS = frozenset(
    {ExifTags.Base.DateTimeOriginal, ExifTags.Base.OffsetTimeOriginal, *_SERIAL_TAGS}
)
_GPS_TAGS = frozenset(
    {
        ExifTags.GPS.GPSLatitudeRef,
        ExifTags.GPS.GPSLatitude,
        ExifTags.GPS.GPSLongitudeRef,
        ExifTags.GPS.GPSLongitude,
        ExifTags.GPS.GPSAltitudeRef,
        ExifTags.GPS.GPSAltitude,
    }
)
# TIFF field types: 1 BYTE, 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, and their sizes.
_FIELD_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8}
_TEXT = frozenset({2})
# The type (or types) and the count each tag may have here; text tags any count.
_SHAPES: dict[int, tuple[frozenset[int], int | None]] = {
    **{tag: (_TEXT, None) for tag in _IFD0_TAGS | _EXIF_IFD_TAGS},
    **{tag: (frozenset({2, 3, 4}), None) for tag in _SERIAL_TAGS},  # some cameras: numbers
    ExifTags.Base.Orientation: (frozenset({3}), 1),
    ExifTags.GPS.GPSLatitudeRef: (_TEXT, None),
    ExifTags.GPS.GPSLongitudeRef: (_TEXT, None),
    ExifTags.GPS.GPSLatitude: (frozenset({5}), 3),
    ExifTags.GPS.GPSLongitude: (frozenset({5}), 3),
    ExifTags.GPS.GPSAltitudeRef: (frozenset({1}), 1),
    ExifTags.GPS.GPSAltitude: (frozenset({5}), 1),
}
_NOT_PLAIN = ValueError("not a plainly well-formed EXIF block")


def _plain_jpeg_exif(image: Image.Image) -> tuple[_Tags, _Tags, _Tags] | None:
    """IFD0, Exif IFD and GPS IFD tags of a JPEG, or None when Pillow should read them."""
    block = image.info.get("exif")
    orientation_from_xmp = "xmp" in image.info or "XML:com.adobe.xmp" in image.info
    if block is None:
        return None if orientation_from_xmp else ({}, {}, {})
    if not isinstance(block, bytes):
        return None
    try:
        return _read_ifds(block.removeprefix(b"Exif\x00\x00"), orientation_from_xmp)
    except (ValueError, struct.error):
        return None


def _read_ifds(tiff: bytes, orientation_from_xmp: bool) -> tuple[_Tags, _Tags, _Tags]:
    order = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if order is None or struct.unpack_from(order + "H", tiff, 2)[0] != 42:
        raise _NOT_PLAIN
    ifd0, pointers = _read_ifd(tiff, order, struct.unpack_from(order + "L", tiff, 4)[0], _IFD0_TAGS)
    if orientation_from_xmp and ExifTags.Base.Orientation not in ifd0:
        raise _NOT_PLAIN
    exif_ifd: _Tags = {}
    gps_ifd: _Tags = {}
    if ExifTags.IFD.Exif in pointers:
        exif_ifd, _ = _read_ifd(tiff, order, pointers[ExifTags.IFD.Exif], _EXIF_IFD_TAGS)
    if ExifTags.IFD.GPSInfo in pointers:
        gps_ifd, _ = _read_ifd(tiff, order, pointers[ExifTags.IFD.GPSInfo], _GPS_TAGS)
    return ifd0, exif_ifd, gps_ifd


def _read_ifd(
    tiff: bytes, order: str, offset: int, wanted: frozenset[int]
) -> tuple[dict[int, Any], dict[int, int]]:
    """The ``wanted`` tags of the IFD at ``offset``, and the sub-IFD pointers it holds."""
    (count,) = struct.unpack_from(order + "H", tiff, offset)
    if offset + 2 + 12 * count > len(tiff):
        raise _NOT_PLAIN
    tags: dict[int, Any] = {}
    pointers: dict[int, int] = {}
    seen: set[int] = set()
    for start in range(offset + 2, offset + 2 + 12 * count, 12):
        tag, kind, values = struct.unpack_from(order + "HHL", tiff, start)
        if tag in seen:
            raise _NOT_PLAIN
        seen.add(tag)
        if tag in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
            if kind != 4 or values != 1:
                raise _NOT_PLAIN
            pointers[tag] = struct.unpack_from(order + "L", tiff, start + 8)[0]
        elif tag in wanted:
            tags[tag] = _value(tiff, order, start, tag, kind, values)
    return tags, pointers


def _value(tiff: bytes, order: str, entry: int, tag: int, kind: int, count: int) -> Any:
    kinds, expected_count = _SHAPES[tag]
    if kind not in kinds or count == 0 or count != (expected_count or count):
        raise _NOT_PLAIN
    size = _FIELD_SIZES[kind]
    at = entry + 8
    if size * count > 4:
        (at,) = struct.unpack_from(order + "L", tiff, entry + 8)
    if at + size * count > len(tiff):
        raise _NOT_PLAIN
    if kind == 2:
        text = tiff[at : at + count]
        return text.removesuffix(b"\x00").decode("latin-1")
    if kind == 5:
        pairs = struct.unpack_from(f"{order}{2 * count}L", tiff, at)
        rationals = tuple(IFDRational(pairs[i], pairs[i + 1]) for i in range(0, 2 * count, 2))
        return rationals[0] if count == 1 else rationals
    numbers = struct.unpack_from(order + {1: "B", 3: "H", 4: "L"}[kind] * count, tiff, at)
    return numbers[0] if count == 1 else numbers


class _Reader:
    """Reads fields from one EXIF block, noting those that are present but corrupt."""

    def __init__(
        self, ifd0: _Tags, exif_ifd: _Tags, gps_ifd: _Tags, unreadable: list[str] | None = None
    ) -> None:
        self.unreadable: list[str] = unreadable or []
        self.ifd0 = ifd0
        self.exif_ifd = exif_ifd
        self.gps_ifd = gps_ifd

    @classmethod
    def from_pillow(cls, exif: Image.Exif) -> _Reader:
        """The reader of Pillow's parse of a block."""
        unreadable: list[str] = []
        exif_ifd = cls._sub_ifd(
            exif, ExifTags.IFD.Exif, ("serial_number", "datetime_original"), unreadable
        )
        gps_ifd = cls._sub_ifd(exif, ExifTags.IFD.GPSInfo, ("gps",), unreadable)
        return cls(exif, exif_ifd, gps_ifd, unreadable)

    @staticmethod
    def _sub_ifd(
        exif: Image.Exif, tag: int, fields: tuple[str, ...], unreadable: list[str]
    ) -> _Tags:
        """The sub-IFD ``tag``; if it cannot be read, the ``fields`` it holds are unreadable."""
        if tag not in exif:
            return {}
        try:
            return exif.get_ifd(tag)
        except Exception:  # the same hostile-input boundary as in read_metadata
            unreadable.extend(fields)
            return {}

    def metadata(self) -> ImageMetadata:
        both = (self.exif_ifd, self.ifd0)  # some writers put Exif-IFD tags in IFD0
        base = ExifTags.Base
        return ImageMetadata(
            make=self._field("make", lambda: _text(self.ifd0.get(base.Make))),
            model=self._field("model", lambda: _text(self.ifd0.get(base.Model))),
            serial_number=self._field("serial_number", lambda: _serial(both)),
            software=self._field("software", lambda: _text(self.ifd0.get(base.Software))),
            datetime_original=self._field("datetime_original", lambda: _taken_at(both)),
            gps=self._field("gps", lambda: _gps(self.gps_ifd)),
            orientation=self._field("orientation", lambda: _orientation(self.ifd0)),
            unreadable=tuple(self.unreadable),
        )

    def _field(self, name: str, parse: Callable[[], _T | None]) -> _T | None:
        try:
            return parse()
        except _BAD_VALUE:
            if name not in self.unreadable:
                self.unreadable.append(name)
            return None


def _text(value: object) -> str | None:
    """A clean string from an ASCII/UNDEFINED tag value; None if it is empty."""
    if value is None:
        return None
    if isinstance(value, bytes):
        text = value.decode("utf-8", "replace")
    elif isinstance(value, str):
        # Pillow decodes ASCII tags as Latin-1, but phones write UTF-8 there: undo when it fits.
        try:
            text = value.encode("latin-1").decode("utf-8")
        except UnicodeError:
            text = value
    else:
        raise TypeError(f"expected text, got {type(value).__name__}")
    text = text.replace("\x00", " ").strip()
    return text[:MAX_TEXT_CHARS] or None


def _first(tags: tuple[_Tags, ...], tag: int) -> object:
    for ifd in tags:
        if tag in ifd:
            return ifd[tag]
    return None


def _serial(tags: tuple[_Tags, ...]) -> str | None:
    for tag in _SERIAL_TAGS:
        value = _first(tags, tag)
        if isinstance(value, int):  # some cameras store the serial as a number
            return str(value)
        serial = _text(value)
        if serial is not None:
            return serial
    return None


def _taken_at(tags: tuple[_Tags, ...]) -> str | None:
    raw = _text(_first(tags, ExifTags.Base.DateTimeOriginal))
    # Cameras with an unset clock write blanks or zeros: that is "unknown", not corrupt.
    if raw is None or raw.strip(" :0") == "":
        return None
    match = _DATETIME.match(raw)
    if match is None:
        raise ValueError(f"not an EXIF date: {raw!r}")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    taken = datetime(year, month, day, hour, minute, second).isoformat()
    offset = _text(_first(tags, ExifTags.Base.OffsetTimeOriginal))
    if offset is not None and _UTC_OFFSET.fullmatch(offset):
        taken += "+00:00" if offset == "Z" else offset
    return taken


def _gps(gps: _Tags) -> GpsPosition | None:
    tags = ExifTags.GPS
    if tags.GPSLatitude not in gps or tags.GPSLongitude not in gps:
        return None
    lat = _degrees(gps[tags.GPSLatitude], gps.get(tags.GPSLatitudeRef), "S", 90.0)
    lon = _degrees(gps[tags.GPSLongitude], gps.get(tags.GPSLongitudeRef), "W", 180.0)
    altitude = None
    if tags.GPSAltitude in gps:
        altitude = _number(gps[tags.GPSAltitude])
        ref = gps.get(tags.GPSAltitudeRef)
        if ref in (1, b"\x01"):  # 1 = below sea level
            altitude = -altitude
        altitude = round(altitude, 2)
    return GpsPosition(lat=lat, lon=lon, altitude=altitude)


def _degrees(value: object, ref: object, negative_ref: str, limit: float) -> float:
    """Decimal degrees from EXIF degrees/minutes/seconds and a hemisphere letter."""
    parts = value if isinstance(value, tuple) else (value,)
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"GPS coordinate has {len(parts)} parts")
    degrees = sum(_number(part) / scale for part, scale in zip(parts, (1, 60, 3600), strict=False))
    hemisphere = _text(ref)
    if hemisphere is not None and hemisphere.upper().startswith(negative_ref):
        degrees = -abs(degrees)
    if abs(degrees) > limit:
        raise ValueError(f"GPS coordinate {degrees} out of range")
    return round(degrees, 7)  # ~1 cm: more digits are rounding noise from the rationals


def _number(value: object) -> float:
    """A finite float from an EXIF rational (IFDRational, or a legacy (num, den) pair)."""
    if isinstance(value, tuple) and len(value) == 2:
        number = float(value[0]) / float(value[1])
    elif isinstance(value, numbers.Real):  # int, float and Pillow's IFDRational
        number = float(value)
    else:
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if not math.isfinite(number):
        raise ValueError("rational with a zero denominator")
    return number


def _orientation(ifd0: _Tags) -> int | None:
    value = ifd0.get(ExifTags.Base.Orientation)
    if value is None:
        return None
    if not isinstance(value, int) or not 1 <= value <= 8:
        raise ValueError(f"orientation {value!r} is not 1-8")
    return value
