"""What people do to photos between camera and seizure: edits, re-saves and camera metadata.

Every function is pure and deterministic so the demo seizure has the same bytes on every build.
"""

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pillow_heif
from PIL import ExifTags, Image, ImageDraw, ImageOps


@dataclass(frozen=True)
class Camera:
    """A made-up camera or phone that "took" some of the demo photos."""

    make: str
    model: str
    serial: str


@dataclass(frozen=True)
class Place:
    """Where a demo photo was "taken", in decimal degrees (north and east positive)."""

    latitude: float
    longitude: float


def camera_exif(camera: Camera, taken: datetime, place: Place | None) -> Image.Exif:
    """EXIF a phone would write: make, model, body serial number, capture time and maybe GPS."""
    exif = Image.Exif()
    stamp = taken.strftime("%Y:%m:%d %H:%M:%S")
    exif[ExifTags.Base.Make] = camera.make
    exif[ExifTags.Base.Model] = camera.model
    exif[ExifTags.Base.DateTime] = stamp
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = stamp
    details[ExifTags.Base.BodySerialNumber] = camera.serial
    if place is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N" if place.latitude >= 0 else "S"
        gps[ExifTags.GPS.GPSLatitude] = _degrees_minutes_seconds(place.latitude)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E" if place.longitude >= 0 else "W"
        gps[ExifTags.GPS.GPSLongitude] = _degrees_minutes_seconds(place.longitude)
    return exif


def _degrees_minutes_seconds(value: float) -> tuple[float, float, float]:
    seconds = round(abs(value) * 3600, 2)
    degrees, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return (degrees, minutes, round(seconds, 2))


# x265 "ultrafast" keeps the build quick; no thread pool and one frame thread keep its output
# the same on machines with any number of cores.
_X265_PARAMS = {"preset": "ultrafast", "x265:pools": "none", "x265:frame-threads": "1"}


def encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    """Save ``image`` as ``image_format`` (a Pillow format name, or ``HEIF``); return the bytes."""
    buffer = io.BytesIO()
    if image_format == "HEIF":
        heif = pillow_heif.from_pillow(image)
        heif.save(buffer, quality=options.get("quality", 70), enc_params=_X265_PARAMS)
    elif image_format == "GIF":
        # Pillow's default median-cut palette takes seconds on a photo; octree is instant.
        image.quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, "GIF", **options)
    else:
        image.save(buffer, image_format, **options)
    return buffer.getvalue()


def decode(data: bytes) -> Image.Image:
    """Decode an encoded image, as RGB."""
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def resized(image: Image.Image, factor: float = 0.5) -> Image.Image:
    """Scale ``image`` by ``factor``, as messaging apps do."""
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def cropped(image: Image.Image, keep: float = 0.7) -> Image.Image:
    """Keep the centred ``keep`` fraction of each side."""
    width, height = round(image.width * keep), round(image.height * keep)
    left, top = (image.width - width) // 2, (image.height - height) // 2
    return image.crop((left, top, left + width, top + height))


def watermarked(image: Image.Image) -> Image.Image:
    """Draw a translucent band along the bottom and a solid badge in the top-left corner."""
    marked = image.convert("RGBA")
    overlay = Image.new("RGBA", marked.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    band = max(8, marked.height // 8)
    draw.rectangle(
        (0, marked.height - band, marked.width, marked.height), fill=(255, 255, 255, 150)
    )
    badge = max(8, min(marked.size) // 6)
    draw.rectangle((8, 8, 8 + badge, 8 + badge // 2), fill=(200, 30, 30, 255))
    return Image.alpha_composite(marked, overlay).convert("RGB")


def greyscale(image: Image.Image) -> Image.Image:
    """Drop the colour."""
    return image.convert("L")


def mirrored(image: Image.Image) -> Image.Image:
    """Flip left to right."""
    return ImageOps.mirror(image)
