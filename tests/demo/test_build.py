"""The demo seizure: deterministic, accurately described by its manifest, and as bad as it says."""

import hashlib
import importlib.util
import os
import struct
import zipfile
import zlib
from pathlib import Path, PurePosixPath

import av
import pillow_heif
import pytest
from PIL import ExifTags, Image, UnidentifiedImageError

from vigil.demo.build import MARKER, DemoBuildError, DemoManifest, build_demo_seizure
from vigil.demo.videos import FRAMES_PER_SECOND

Snapshot = dict[bytes, tuple[object, ...]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root`` (bytes paths, so odd names survive): kind, content, mtime."""
    entries: Snapshot = {}
    base = os.fsencode(root)
    for folder, folders, files in os.walk(base):
        for name in folders + files:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, base)
            status = os.lstat(path)
            if os.path.islink(path):
                entries[relative] = ("link", os.readlink(path), status.st_mtime_ns)
            elif os.path.isdir(path):
                entries[relative] = ("folder", status.st_mtime_ns)
            else:
                with open(path, "rb") as file:
                    digest = hashlib.sha256(file.read()).hexdigest()
                entries[relative] = ("file", digest, status.st_mtime_ns)
    return entries


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return build_demo_seizure(tmp_path_factory.mktemp("first") / "seizure")


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """A build over a folder that looks like an older demo build, with a stray file in it."""
    root = tmp_path_factory.mktemp("second")
    (root / MARKER).write_text("older demo build\n")
    (root / "stale" / "deeper").mkdir(parents=True)
    (root / "stale" / "deeper" / "old.jpg").write_bytes(b"old")
    (root / "stale-link").symlink_to("stale", target_is_directory=True)
    return build_demo_seizure(root)


def by_problem(manifest: DemoManifest) -> dict[str, Path]:
    return {bad.problem: manifest.root / bad.path for bad in manifest.bad_files}


def test_two_builds_are_identical_down_to_mtimes(first: DemoManifest, second: DemoManifest) -> None:
    one, two = snapshot(first.root), snapshot(second.root)
    assert b"stale" not in two
    assert b"stale-link" not in two
    assert one == two
    assert len({entry[-1] for entry in one.values()}) > 10  # mtimes really are spread out


def test_two_builds_have_equal_manifests(first: DemoManifest, second: DemoManifest) -> None:
    assert first.root != second.root
    assert first.counts() == second.counts()
    assert (first.images, first.videos, first.bad_files, first.derived) == (
        second.images,
        second.videos,
        second.bad_files,
        second.derived,
    )


def test_manifest_lists_exactly_what_is_on_disk(first: DemoManifest) -> None:
    on_disk = snapshot(first.root)
    files = {path for path, entry in on_disk.items() if entry[0] == "file"}
    links = {path for path, entry in on_disk.items() if entry[0] == "link"}
    listed = [
        *first.images,
        *first.videos,
        *first.non_media,
        *(bad.path for bad in first.bad_files),
    ]
    assert len(listed) == len(set(listed)) == first.file_count == len(files)
    assert {os.fsencode(str(path)) for path in listed} == files
    assert {os.fsencode(str(path)) for path in first.symlink_loops} == links
    assert first.total_bytes == sum((first.root / path).stat().st_size for path in listed)
    assert PurePosixPath(MARKER) in first.non_media


def test_counts_and_distinct_media_match_the_files(first: DemoManifest) -> None:
    media = [*first.images, *first.videos]
    digests = {hashlib.sha256((first.root / path).read_bytes()).digest() for path in media}
    assert first.distinct_media == len(digests) == len(media) - len(first.duplicates)
    counts = first.counts()
    assert counts["images"] >= 20
    assert counts["videos"] >= 4
    assert counts["bad_files"] == 6
    assert counts["duplicates"] == 4
    assert counts["non_media"] == 5
    assert first.total_bytes < 30_000_000


def test_duplicates_are_exact_copies_at_another_path(first: DemoManifest) -> None:
    for copy in first.duplicates:
        assert copy.path != copy.source
        assert (first.root / copy.path).read_bytes() == (first.root / copy.source).read_bytes()
    assert any(copy.path in first.videos for copy in first.duplicates)


def test_derived_files_differ_from_their_source(first: DemoManifest) -> None:
    media = {*first.images, *first.videos}
    changes = {derived.change for derived in first.derived}
    for expected in ("resized", "recompressed", "cropped", "watermarked", "greyscale", "mirrored"):
        assert expected in changes
    assert "re-encoded" in changes
    for derived in first.derived:
        assert {derived.path, derived.source} <= media
        original = (first.root / derived.source).read_bytes()
        assert (first.root / derived.path).read_bytes() != original


def decoded_size(path: Path) -> tuple[int, int]:
    if path.suffix == ".heic":
        heif = pillow_heif.open_heif(path)
        return (heif.size[0], heif.size[1])
    with Image.open(path) as image:
        image.load()
        return image.size


def test_every_image_decodes(first: DemoManifest) -> None:
    suffixes = set()
    for path in first.images:
        width, height = decoded_size(first.root / path)
        assert width >= 64, path
        assert height >= 64, path
        suffixes.add(path.suffix)
    assert {".jpg", ".png", ".gif", ".webp", ".bmp", ".tiff", ".heic"} <= suffixes


def test_every_video_decodes_to_small_frames(first: DemoManifest) -> None:
    containers = set()
    for path in first.videos:
        with av.open(str(first.root / path), "r") as container:
            sizes = [(frame.width, frame.height) for frame in container.decode(video=0)]
        assert len(sizes) in {2 * FRAMES_PER_SECOND, 3 * FRAMES_PER_SECOND}, path
        assert set(sizes) == {(320, 240)}, path
        containers.add(path.suffix)
    assert {".mp4", ".avi", ".mkv", ".webm"} <= containers


def test_camera_photos_carry_exif(first: DemoManifest) -> None:
    found_gps = False
    camera_roll = [path for path in first.images if path.parent == PurePosixPath("DCIM/Camera")]
    for path in camera_roll:
        if path.suffix != ".jpg":
            continue
        with Image.open(first.root / path) as image:
            exif = image.getexif()
        details = exif.get_ifd(ExifTags.IFD.Exif)
        assert exif[ExifTags.Base.Make] in {"Acme Optics", "Northwind"}
        assert exif[ExifTags.Base.Model]
        assert details[ExifTags.Base.BodySerialNumber]
        stamp = details[ExifTags.Base.DateTimeOriginal]
        assert path.name == f"IMG_{stamp.replace(':', '').replace(' ', '_')}.jpg"
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if gps:
            found_gps = True
            assert gps[ExifTags.GPS.GPSLatitudeRef] in {"N", "S"}
            assert len(gps[ExifTags.GPS.GPSLatitude]) == 3
    assert found_gps


def test_bad_files_are_exactly_the_expected_problems(first: DemoManifest) -> None:
    assert set(by_problem(first)) == {
        "zero-byte file",
        "truncated JPEG",
        "PNG header with a wrong CRC",
        "PNG whose image data is garbage",
        "PNG header claims 100000x100000 pixels",
        "MP4 whose video stream is garbage",
    }


def test_zero_byte_file_is_empty(first: DemoManifest) -> None:
    assert by_problem(first)["zero-byte file"].stat().st_size == 0


def test_truncated_jpeg_opens_but_does_not_load(first: DemoManifest) -> None:
    with Image.open(by_problem(first)["truncated JPEG"]) as image:
        assert image.format == "JPEG"
        with pytest.raises(OSError, match="truncated"):
            image.load()


def test_png_with_bad_crc_is_rejected_on_open(first: DemoManifest) -> None:
    with pytest.raises(UnidentifiedImageError):
        Image.open(by_problem(first)["PNG header with a wrong CRC"])


def test_png_with_garbage_data_does_not_load(first: DemoManifest) -> None:
    with Image.open(by_problem(first)["PNG whose image data is garbage"]) as image:
        assert image.size == (64, 48)
        with pytest.raises(OSError, match="broken data stream"):
            image.load()


def test_huge_png_is_well_formed_but_claims_ten_billion_pixels(first: DemoManifest) -> None:
    data = by_problem(first)["PNG header claims 100000x100000 pixels"].read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    position, kinds = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        payload = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + payload) == crc, kind
        if kind == b"IHDR":
            assert struct.unpack(">II", payload[:8]) == (100_000, 100_000)
        kinds.append(kind)
        position += 12 + length
    assert kinds == [b"IHDR", b"IDAT", b"IEND"]
    with pytest.raises(Image.DecompressionBombError):
        Image.open(by_problem(first)["PNG header claims 100000x100000 pixels"])


def test_broken_video_opens_but_does_not_decode(first: DemoManifest) -> None:
    path = by_problem(first)["MP4 whose video stream is garbage"]
    with av.open(str(path), "r") as container:
        assert container.streams.video[0].width == 320
        with pytest.raises(av.error.InvalidDataError):
            for _ in container.decode(video=0):
                pass


def test_misnamed_file_is_a_png_behind_a_jpg_name(first: DemoManifest) -> None:
    assert first.misnamed
    for path in first.misnamed:
        assert path.suffix == ".jpg"
        assert path in first.images
        with Image.open(first.root / path) as image:
            assert image.format == "PNG"


def test_odd_name_is_not_utf8_and_holds_an_image(first: DemoManifest) -> None:
    assert first.odd_names
    for path in first.odd_names:
        with pytest.raises(UnicodeDecodeError):
            os.fsencode(str(path)).decode("utf-8")
        assert path in first.images
        assert decoded_size(first.root / path) == (360, 360)


def test_symlink_loop_points_to_an_ancestor(first: DemoManifest) -> None:
    for path in first.symlink_loops:
        link = first.root / path
        assert link.is_symlink()
        assert link.resolve() == link.parent.parent.resolve()


def test_documents_are_what_they_claim(first: DemoManifest) -> None:
    documents = {path.name: first.root / path for path in first.non_media}
    assert documents["invoice.pdf"].read_bytes().startswith(b"%PDF-")
    with zipfile.ZipFile(documents["holiday_photos.zip"]) as archive:
        assert archive.testzip() is None
        assert {info.date_time for info in archive.infolist()} == {(2023, 6, 5, 12, 0, 0)}
    assert documents["contacts.csv"].read_text().startswith("name,email,phone\n")


def test_refuses_a_folder_that_is_not_a_demo_build(tmp_path: Path) -> None:
    (tmp_path / "evidence.txt").write_text("keep me")
    with pytest.raises(DemoBuildError, match="not empty"):
        build_demo_seizure(tmp_path)
    assert [entry.name for entry in tmp_path.iterdir()] == ["evidence.txt"]


def test_refuses_a_file_as_destination(tmp_path: Path) -> None:
    target = tmp_path / "seizure"
    target.write_text("a file")
    with pytest.raises(DemoBuildError, match="is a file"):
        build_demo_seizure(target)


def test_missing_sample_package_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def without_sklearn(name: str) -> object:
        return None if name == "sklearn" else real(name)

    monkeypatch.setattr(importlib.util, "find_spec", without_sklearn)
    with pytest.raises(DemoBuildError, match="scikit-learn"):
        build_demo_seizure(tmp_path / "seizure")
    assert not (tmp_path / "seizure").exists()
