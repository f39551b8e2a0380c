"""`vigil demo build`: write a benign, deterministic folder that looks like a seized phone.

The folder holds sample photographs shipped inside scikit-image, matplotlib and scikit-learn,
generated pictures and videos made from them, edited and duplicated copies, documents, and the
damaged files a real seizure contains. Two builds with the same package versions are identical
byte for byte, modification times included, so ingest results can be checked exactly against
the returned manifest.
"""

import io
import os
import shutil
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath

from PIL import Image

from vigil.demo import badfiles, edits, videos
from vigil.demo.bank import demo_bank_entries, write_demo_bank
from vigil.demo.errors import DemoBuildError
from vigil.demo.manifest import DemoManifest, SeizureWriter
from vigil.demo.samples import (
    SAMPLE_PHOTOS,
    gradient_image,
    load_sample_photo,
    rings_image,
    sample_photo_file,
    shapes_image,
)

__all__ = ["MARKER", "DemoBuildError", "DemoManifest", "build_demo_seizure"]

MARKER = ".vigil-demo"
_MARKER_TEXT = (
    b"Vigil demo seizure: benign sample data written by `vigil demo build`.\n"
    b"Building again over this folder deletes and rewrites it.\n"
)

_PHONE = edits.Camera("Acme Optics", "Pocket 12", "AO12-000417")
_CAMERA = edits.Camera("Northwind", "NW-5 Compact", "NW5-2231-0098")
_LYON = edits.Place(45.7640, 4.8357)
_LISBON = edits.Place(38.7223, -9.1393)

# Photos "taken" by the made-up phone and camera: (sample, device, time, place or None).
_CAMERA_ROLL = (
    ("astronaut", _PHONE, datetime(2023, 6, 1, 10, 15), _LYON),
    ("coffee", _PHONE, datetime(2023, 6, 1, 11, 42, 5), _LYON),
    ("chelsea", _PHONE, datetime(2023, 6, 2, 8, 30, 12), None),
    ("motorcycle", _CAMERA, datetime(2023, 6, 3, 17, 3, 44), _LISBON),
    ("grace_hopper", _CAMERA, datetime(2023, 6, 4, 9, 21, 10), None),
)
# Package photos copied byte for byte, as if downloaded.
_VERBATIM = (
    ("rocket", "Downloads/rocket.jpg"),
    ("china", "Pictures/Wallpapers/china.jpg"),
    ("flower", "Pictures/Wallpapers/flower.jpg"),
)
# Each original picture by sample name: where it was written, and the picture itself.
_Originals = dict[str, tuple[PurePosixPath, Image.Image]]

_ODD_NAME = os.fsdecode(b"Pictures/caf\xe9 2019.jpg")  # Latin-1 "é": not valid UTF-8


def build_demo_seizure(dest: Path, bank: Path | None = None) -> DemoManifest:
    """Build the demo seizure in ``dest`` and return what was written.

    With ``bank``, also write there the demo's hash bank (VICS JSON) listing some of it.

    ``dest`` must be missing, empty, or an earlier demo build (it holds the ``.vigil-demo``
    marker), which is deleted and rebuilt. Raises DemoBuildError when ``dest`` holds anything
    else or when a package that ships the sample photographs is not installed.
    """
    for name in SAMPLE_PHOTOS:
        sample_photo_file(name)  # fail on a missing package before touching dest
    _prepare(dest)
    seizure = SeizureWriter(dest)
    seizure.non_media(MARKER, _MARKER_TEXT)
    originals = _write_originals(seizure)
    _write_edits(seizure, originals)
    clips = _write_videos(seizure, originals)
    _write_duplicates(seizure, originals, clips)
    _write_documents(seizure, originals)
    _write_bad_files(seizure, originals, clips)
    seizure.symlink_loop("Pictures/Holiday 2022/Day 1/more")
    if bank is not None:
        paths = {name: path for name, (path, _) in originals.items()}
        write_demo_bank(bank, demo_bank_entries(paths, seizure.content))
    return seizure.finish()


def _prepare(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise DemoBuildError(f"{dest} is a file, not a folder: give a folder for the demo seizure")
    if dest.is_dir() and any(dest.iterdir()):
        if not (dest / MARKER).is_file():
            raise DemoBuildError(
                f"{dest} is not empty and holds no earlier demo seizure ({MARKER} is missing): "
                f"choose an empty or new folder"
            )
        for entry in dest.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    dest.mkdir(parents=True, exist_ok=True)


def _write_originals(seizure: SeizureWriter) -> _Originals:
    """Write the original pictures; return each one's path and picture by sample name."""
    originals: _Originals = {}
    for name, device, taken, place in _CAMERA_ROLL:
        photo = load_sample_photo(name)
        exif = edits.camera_exif(device, taken, place)
        data = edits.encode(photo, "JPEG", quality=90, exif=exif)
        path = seizure.image(f"DCIM/Camera/IMG_{taken:%Y%m%d_%H%M%S}.jpg", data)
        originals[name] = (path, photo)
    for name, target in _VERBATIM:
        path = seizure.image(target, sample_photo_file(name).read_bytes())
        originals[name] = (path, load_sample_photo(name))
    camera = load_sample_photo("camera")
    path = seizure.image("Pictures/Holiday 2022/Day 1/P1000123.png", edits.encode(camera, "PNG"))
    originals["camera"] = (path, camera)
    hubble = load_sample_photo("hubble")
    night = edits.encode(hubble, "JPEG", quality=85)
    path = seizure.image("Pictures/Holiday 2022/Day 2/night_sky.jpg", night)
    originals["hubble"] = (path, hubble)
    for name, picture, target in (
        ("gradient", gradient_image(), "DCIM/Screenshots/Screenshot_20230605-201500.png"),
        ("shapes", shapes_image(seed=2023), "DCIM/Screenshots/Screenshot_20230605-201730.png"),
    ):
        originals[name] = (seizure.image(target, edits.encode(picture, "PNG")), picture)
    rings = rings_image()
    try:
        odd = seizure.image(_ODD_NAME, edits.encode(rings, "JPEG", quality=88))
    except OSError:
        pass  # the file system refuses names that are not UTF-8 (e.g. macOS): leave it out
    else:
        seizure.odd_name(odd)
        originals["rings"] = (odd, rings)
    return originals


def _write_edits(seizure: SeizureWriter, originals: _Originals) -> None:
    """Write edited copies and format conversions of some originals."""
    whatsapp = "WhatsApp/Media/WhatsApp Images"
    changes = (
        ("astronaut", f"{whatsapp}/IMG-20230603-WA0001.jpg", "recompressed", None, 25),
        ("coffee", f"{whatsapp}/IMG-20230603-WA0002.jpg", "resized", edits.resized, 80),
        ("chelsea", "Pictures/Edited/IMG_20230602_083012_crop.jpg", "cropped", edits.cropped, 90),
        ("motorcycle", "Pictures/Edited/marked.jpg", "watermarked", edits.watermarked, 90),
        ("grace_hopper", "Pictures/Edited/hopper_bw.jpg", "greyscale", edits.greyscale, 90),
        ("astronaut", "Pictures/Edited/selfie_mirror.jpg", "mirrored", edits.mirrored, 90),
    )
    for name, target, change, edit, quality in changes:
        source, picture = originals[name]
        edited = picture if edit is None else edit(picture)
        data = edits.encode(edited, "JPEG", quality=quality)
        seizure.derived_image(target, data, source, change)
    conversions = (
        ("flower", "GIF", "Pictures/Converted/flower.gif"),
        ("coffee", "WEBP", "Pictures/Converted/coffee.webp"),
        ("shapes", "BMP", "Pictures/Converted/shapes.bmp"),
        ("china", "TIFF", "Pictures/Converted/china.tiff"),
        ("chelsea", "HEIF", "DCIM/Camera/IMG_20230606_140000.heic"),
    )
    for name, image_format, target in conversions:
        source, picture = originals[name]
        data = edits.encode(picture, image_format, quality=80)
        seizure.derived_image(target, data, source, f"converted to {image_format}")
    # A messaging app's PNG saved under a .jpg name: valid content, lying extension.
    source, rocket = originals["rocket"]
    png = edits.encode(edits.resized(rocket), "PNG")
    target = f"{whatsapp}/IMG-20230604-WA0007.jpg"
    seizure.derived_image(target, png, source, "resized, saved as PNG")
    seizure.misnamed(PurePosixPath(target))


def _write_videos(seizure: SeizureWriter, originals: _Originals) -> dict[str, PurePosixPath]:
    """Write the demo clips and a re-encoded copy; return each clip's path by name.

    Phone clips are H.264 when PyAV has libx264, else MPEG-4 (built into FFmpeg); the VP8 and
    VP9 clips are left out when PyAV lacks libvpx.
    """
    phone = videos.H264_MP4 if videos.encoder_available(videos.H264_MP4) else videos.MPEG4_MP4
    plan = (
        ("coffee pan", "DCIM/Camera/VID_20230601_120000.mp4", phone, "coffee", "pan", 3),
        ("chelsea zoom", "DCIM/Camera/VID_20230602_090000.mp4", phone, "chelsea", "zoom in", 2),
        ("astronaut zoom", "Movies/astronaut.avi", videos.MPEG4_AVI, "astronaut", "zoom out", 2),
        ("rocket pan", "Movies/rocket.mkv", videos.VP8_MKV, "rocket", "pan", 2),
        ("china pan", "Movies/china.webm", videos.VP9_WEBM, "china", "pan", 2),
    )
    clips: dict[str, PurePosixPath] = {}
    for name, target, video_format, sample, motion, seconds in plan:
        if not videos.encoder_available(video_format):
            continue
        photo = originals[sample][1]
        if motion == "pan":
            frames = videos.pan_frames(photo, seconds)
        else:
            frames = videos.zoom_frames(photo, seconds, zoom_in=motion == "zoom in")
        clips[name] = seizure.video(target, videos.encode_video(frames, video_format))
    source = clips["coffee pan"]
    copy = videos.reencode_video(seizure.content(source), videos.MPEG4_MP4)
    target = "WhatsApp/Media/WhatsApp Video/VID-20230602-WA0005.mp4"
    seizure.derived_video(target, copy, source, "re-encoded")
    return clips


def _write_duplicates(
    seizure: SeizureWriter,
    originals: _Originals,
    clips: dict[str, PurePosixPath],
) -> None:
    """Write exact copies of media at second paths, as sharing and backups leave them."""
    copies = (
        (originals["coffee"][0], "WhatsApp/Media/WhatsApp Images/Sent/IMG-20230601-WA0003.jpg"),
        (originals["china"][0], "Downloads/china (1).jpg"),
        (originals["chelsea"][0], "Pictures/Backup/2023/06/IMG_20230602_083012.jpg"),
        (clips["coffee pan"], "WhatsApp/Media/WhatsApp Video/Sent/VID-20230601-WA0004.mp4"),
    )
    for source, target in copies:
        seizure.duplicate(target, source)


def _write_documents(seizure: SeizureWriter, originals: _Originals) -> None:
    """Write the non-media files: notes, a contact list, a PDF stub and a zip archive."""
    notes = (
        b"Shopping: coffee beans, film for the old camera, batteries\n"
        b"Trip to Lyon 1-2 June, back via Lisbon\n"
        b"Call the bike shop about the motorcycle service\n"
    )
    seizure.non_media("Documents/notes.txt", notes)
    contacts = (
        b"name,email,phone\n"
        b"Alex Example,alex@example.org,+44 20 7946 0001\n"
        b"Sam Sample,sam.sample@example.net,+33 4 00 00 00 02\n"
    )
    seizure.non_media("Documents/contacts.csv", contacts)
    stub = b"%PDF-1.4\n% Vigil demo: a PDF header with no document behind it\n%%EOF\n"
    seizure.non_media("Documents/invoice.pdf", stub)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        source = originals["flower"][0]
        for name, data in (("flower.jpg", seizure.content(source)), ("notes.txt", notes)):
            # A fixed timestamp: zipfile would otherwise stamp each member with the time now.
            zipped.writestr(zipfile.ZipInfo(name, date_time=(2023, 6, 5, 12, 0, 0)), data)
    seizure.non_media("Downloads/holiday_photos.zip", archive.getvalue())


def _write_bad_files(
    seizure: SeizureWriter,
    originals: _Originals,
    clips: dict[str, PurePosixPath],
) -> None:
    """Write the files an ingest must report as errors without stopping."""
    photo = seizure.content(originals["grace_hopper"][0])
    seizure.bad_file("Downloads/empty.jpg", b"", "zero-byte file")
    seizure.bad_file(
        "Downloads/IMG_20230604_092110.jpg", badfiles.truncated(photo), "truncated JPEG"
    )
    seizure.bad_file(
        "Pictures/Old Phone/recovered_0001.png",
        badfiles.png_with_bad_header_crc(64, 48),
        "PNG header with a wrong CRC",
    )
    seizure.bad_file(
        "Pictures/Old Phone/recovered_0002.png",
        badfiles.png_with_garbage_data(64, 48, seed=7),
        "PNG whose image data is garbage",
    )
    seizure.bad_file(
        "Downloads/banner.png",
        badfiles.png_claiming_size(100_000, 100_000),
        "PNG header claims 100000x100000 pixels",
    )
    clip = seizure.content(clips["chelsea zoom"])
    seizure.bad_file(
        "Downloads/video_20230607.mp4",
        badfiles.mp4_with_garbage_payload(clip, seed=11),
        "MP4 whose video stream is garbage",
    )
