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
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from PIL import ExifTags, Image

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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            exif = image.getexif()
        # Pillow's EXIF parser meets hostile bytes here and its failures are not one type
        # (struct.error, SyntaxError, OSError, ValueError, ...): any of them means "unreadable".
        except Exception:
            return ImageMetadata(unreadable=("exif",))
        return _Reader(exif).metadata()


class _Reader:
    """Reads fields from one EXIF block, noting those that are present but corrupt."""

    def __init__(self, exif: Image.Exif) -> None:
        self.unreadable: list[str] = []
        self.ifd0: _Tags = exif
        self.exif_ifd = self._sub_ifd(
            exif, ExifTags.IFD.Exif, ("serial_number", "datetime_original")
        )
        self.gps_ifd = self._sub_ifd(exif, ExifTags.IFD.GPSInfo, ("gps",))

    def _sub_ifd(self, exif: Image.Exif, tag: int, fields: tuple[str, ...]) -> _Tags:
        """The sub-IFD ``tag``; if it cannot be read, the ``fields`` it holds are unreadable."""
        if tag not in exif:
            return {}
        try:
            return exif.get_ifd(tag)
        except Exception:  # the same hostile-input boundary as in read_metadata
            self.unreadable.extend(fields)
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
