"""EXIF extraction: round trips through generated files, missing and corrupt EXIF."""

from __future__ import annotations

import io
import json
import random
import warnings
from collections.abc import Callable

import pytest
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from tests import imagegen
from tests.imagegen import ExifSpec
from vigil.media import metadata as metadata_module
from vigil.media.metadata import MAX_TEXT_CHARS, GpsPosition, ImageMetadata, read_metadata

SOUTH_WEST: ExifSpec = {
    "Make": "Acme Optics",
    "Model": "Field Cam 7",
    "BodySerialNumber": "AC-0042-7781",
    "Software": "firmware 2.1.0",
    "DateTimeOriginal": "2021:06:01 12:34:56",
    "OffsetTimeOriginal": "-03:00",
    "GPSLatitude": -22.951916,  # Rio de Janeiro: south and west
    "GPSLongitude": -43.2104872,
    "GPSAltitude": 699.5,
    "Orientation": 6,
}


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def jpeg_with(exif: Image.Exif) -> Image.Image:
    """A small JPEG carrying exactly ``exif`` (built by hand to hold corrupt values)."""
    return opened(imagegen.encode(imagegen.make_image(size=(16, 16)), "JPEG", exif=exif))


def test_jpeg_round_trip_south_west_is_negative() -> None:
    metadata = read_metadata(opened(imagegen.make_jpeg(exif=SOUTH_WEST)))
    assert metadata.gps is not None
    assert metadata.gps.lat == pytest.approx(-22.951916, abs=1e-7)
    assert metadata.gps.lon == pytest.approx(-43.2104872, abs=1e-7)
    assert metadata == ImageMetadata(
        make="Acme Optics",
        model="Field Cam 7",
        serial_number="AC-0042-7781",
        software="firmware 2.1.0",
        datetime_original="2021-06-01T12:34:56-03:00",
        gps=GpsPosition(lat=metadata.gps.lat, lon=metadata.gps.lon, altitude=699.5),
        orientation=6,
    )


def test_north_east_is_positive_and_below_sea_level_is_negative() -> None:
    spec: ExifSpec = {"GPSLatitude": 51.5007, "GPSLongitude": 0.1246, "GPSAltitude": -28.0}
    gps = read_metadata(opened(imagegen.make_jpeg(exif=spec))).gps
    assert gps is not None
    assert gps.lat == pytest.approx(51.5007)
    assert gps.lon == pytest.approx(0.1246)
    assert gps.altitude == -28.0


FORMATS: dict[str, Callable[..., bytes]] = {
    "jpeg": imagegen.make_jpeg,
    "png": imagegen.make_png,
    "webp": imagegen.make_webp,
    "tiff": imagegen.make_tiff,
    "heif": imagegen.make_heif,
}


@pytest.mark.parametrize("name", FORMATS)
def test_every_format_carries_exif(name: str) -> None:
    metadata = read_metadata(opened(FORMATS[name](exif=SOUTH_WEST)))
    assert metadata.serial_number == "AC-0042-7781"
    assert metadata.make == "Acme Optics"
    assert metadata.datetime_original == "2021-06-01T12:34:56-03:00"
    assert metadata.gps is not None
    assert metadata.gps.lat == pytest.approx(-22.951916)
    assert metadata.gps.lon == pytest.approx(-43.2104872)
    # libheif rotates HEIF pixels itself, so pillow_heif reports them as upright.
    assert metadata.orientation == (1 if name == "heif" else 6)
    assert metadata.unreadable == ()


def test_to_json_keeps_only_present_fields_and_serialises() -> None:
    spec: ExifSpec = {"Make": "Acme", "GPSLatitude": -1.5, "GPSLongitude": 2.25}
    payload = read_metadata(opened(imagegen.make_jpeg(exif=spec))).to_json()
    assert payload == {"exif": {"make": "Acme", "gps": {"lat": -1.5, "lon": 2.25}}}
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload


@pytest.mark.parametrize("name", FORMATS)
def test_missing_exif_is_empty(name: str) -> None:
    metadata = read_metadata(opened(FORMATS[name]()))
    assert metadata == ImageMetadata()
    assert metadata.to_json() == {}


def test_corrupt_field_is_skipped_and_the_rest_kept() -> None:
    exif = imagegen.make_exif({"Make": "Acme", "Model": "X1", "Orientation": 3})
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "last tuesday"
    metadata = read_metadata(jpeg_with(exif))
    assert metadata.make == "Acme"
    assert metadata.orientation == 3
    assert metadata.datetime_original is None
    assert metadata.unreadable == ("datetime_original",)
    assert metadata.to_json()["exif"]["unreadable"] == ["datetime_original"]


def test_gps_with_zero_denominator_is_unreadable() -> None:
    exif = imagegen.make_exif({"Make": "Acme", "GPSLatitude": 10.0, "GPSLongitude": 20.0})
    zero = IFDRational(10, 0)
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (zero, zero, zero)
    metadata = read_metadata(jpeg_with(exif))
    assert metadata.gps is None
    assert metadata.make == "Acme"
    assert metadata.unreadable == ("gps",)


@pytest.mark.parametrize("bad", [0, 9, 300])
def test_orientation_out_of_range_is_unreadable(bad: int) -> None:
    metadata = read_metadata(jpeg_with(imagegen.make_exif({"Orientation": bad})))
    assert metadata.orientation is None
    assert metadata.unreadable == ("orientation",)


def test_unset_camera_clock_is_absent_not_corrupt() -> None:
    spec: ExifSpec = {"DateTimeOriginal": "0000:00:00 00:00:00"}
    metadata = read_metadata(opened(imagegen.make_jpeg(exif=spec)))
    assert metadata == ImageMetadata()


def test_serial_number_falls_back_to_camera_serial_tag() -> None:
    exif = imagegen.make_exif({"Make": "Acme"})
    exif[ExifTags.Base.CameraSerialNumber] = "DNG-77"
    assert read_metadata(jpeg_with(exif)).serial_number == "DNG-77"


def test_text_is_cleaned_decoded_and_bounded() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "  Acme\x00\x00 "
    exif[ExifTags.Base.Model] = "Kamera \u00fc\u00e9".encode()  # UTF-8, as phones write
    exif[ExifTags.Base.Software] = "x" * 30_000
    metadata = read_metadata(jpeg_with(exif))
    assert metadata.make == "Acme"
    assert metadata.model == "Kamera \u00fc\u00e9"
    assert metadata.software == "x" * MAX_TEXT_CHARS


def test_garbage_exif_block_does_not_raise() -> None:
    image = opened(imagegen.make_jpeg(raw_exif=b"Exif\x00\x00this is not a TIFF structure"))
    assert read_metadata(image).to_json() in ({}, {"exif": {"unreadable": ["exif"]}})


def test_unreadable_block_is_reported() -> None:
    # Pillow reads a PNG's EXIF only after decoding it, and a truncated PNG does not decode.
    png = imagegen.make_png(size=(64, 64))
    metadata = read_metadata(opened(png[: len(png) // 2]))
    assert metadata == ImageMetadata(unreadable=("exif",))


def test_randomly_corrupted_exif_never_raises() -> None:
    raw = imagegen.make_exif(SOUTH_WEST).tobytes()
    rng = random.Random(20240601)
    unreadable: set[str] = set()
    for _ in range(150):
        damaged = bytearray(raw)
        for _ in range(rng.randint(1, 10)):
            damaged[rng.randrange(6, len(damaged))] = rng.randrange(256)
        image = jpeg_with_raw(bytes(damaged[: rng.randrange(len(raw) // 2, len(raw) + 1)]))
        metadata = read_metadata(image)
        json.dumps(metadata.to_json(), allow_nan=False)
        unreadable.update(metadata.unreadable)
    assert unreadable  # the damage did hit fields, and they were reported, not raised


def jpeg_with_raw(raw_exif: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # Opening a JPEG already parses EXIF (for its DPI) and Pillow warns there: that is the
        # decoder's business, not the metadata reader's under test.
        warnings.simplefilter("ignore")
        return opened(imagegen.make_jpeg(size=(8, 8), raw_exif=raw_exif))


def read_by_pillow(image: Image.Image, monkeypatch: pytest.MonkeyPatch) -> ImageMetadata:
    """read_metadata with JPEG blocks left to Pillow's parser, as for every other format."""
    with monkeypatch.context() as patch:
        patch.setattr(metadata_module, "_plain_jpeg_exif", lambda image: None)
        return read_metadata(image)


def big_endian(raw: bytes) -> bytes:
    """The same EXIF block with a Motorola (big-endian) TIFF structure, as many cameras write."""
    exif = Image.Exif()
    exif.load(raw)
    exif.endian = ">"
    return exif.tobytes()


def test_plain_jpeg_blocks_read_as_pillow_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # JPEG EXIF is read directly unless out of the ordinary: it must give what Pillow gives,
    # on intact blocks (both byte orders) and on damaged ones, down to the unreadable fields.
    rng = random.Random(7)
    specs: list[ExifSpec] = [SOUTH_WEST, {}, {"Make": "Acme"}, {"GPSAltitude": -3.0}]
    for _ in range(30):
        fields = rng.sample(sorted(SOUTH_WEST), rng.randint(1, len(SOUTH_WEST)))
        specs.append({name: SOUTH_WEST[name] for name in fields})  # type: ignore[misc]
    read_directly = 0
    for spec in specs:
        raw = imagegen.make_exif(spec).tobytes()
        blocks = [raw, big_endian(raw)]
        for _ in range(8):
            damaged = bytearray(rng.choice(blocks))
            for _ in range(rng.randint(1, 4)):
                damaged[rng.randrange(6, len(damaged))] = rng.randrange(256)
            blocks.append(bytes(damaged[: rng.randrange(len(damaged) // 2, len(damaged) + 1)]))
        for block in blocks:
            image = jpeg_with_raw(block)
            read_directly += metadata_module._plain_jpeg_exif(image) is not None
            assert read_metadata(image) == read_by_pillow(image, monkeypatch), block
    assert read_directly > len(specs) * 2  # the intact blocks at least took the direct path


def test_orientation_only_in_xmp_is_left_to_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    xmp = b'<x:xmpmeta><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    image = opened(imagegen.encode(imagegen.make_image(size=(16, 16)), "JPEG", xmp=xmp))
    assert read_metadata(image).orientation == 6 == read_by_pillow(image, monkeypatch).orientation
