"""Bounded fuzzing of the media parsers with mutated benign files.

Whatever a file holds, ingesting it ends as exactly one media record or one error with a
one-line reason, never as an exception other than Vigil's MediaError inside the media
functions, and in bounded memory: the worker's part runs in a subprocess under an address
space limit, which also shows that nothing a decoder says reaches standard error.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.imagegen import encode, make_exif, make_image
from tests.media.fuzzing import EXIF, Mutation, image_seeds, mutated, mutations, video_seeds
from vigil.ingest.records import FileTask
from vigil.ingest.worker import WorkerOptions, process_file
from vigil.media.capture import decoder_output
from vigil.media.errors import MediaError
from vigil.media.image import open_image_header
from vigil.media.metadata import read_metadata
from vigil.media.sniff import HEADER_BYTES, Sniffed, extension_fits, sniff
from vigil.media.video import probe_video

# The stages a media error may name; "internal" means an unexpected exception: a bug.
STAGES = frozenset({"read", "decode", "metadata", "pdq", "vpdq"})
# Address space the fuzzing subprocess may use: the interpreter with PyAV, Pillow and numpy
# loaded plus the largest decode the pixel limit allows fits well under it; a parser that
# allocates without bound does not.
MEMORY_LIMIT = 4 * 1024**3
FUZZ = settings(
    max_examples=60,
    deadline=5000,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_file(folder: Path, name: str, data: bytes) -> None:
    """Ingest ``data`` as the file ``name``: one media record or one clean error, and the media
    functions raise nothing but MediaError."""
    path = folder / name
    path.write_bytes(data)
    result = process_file(
        os.fsencode(folder), FileTask(name.encode(), len(data), 0.0), WorkerOptions()
    )
    sha256 = hashlib.sha256(data).hexdigest()
    if result.media is None:
        assert result.error_stage in STAGES, (name, result.error_stage, result.error_reason)
        assert result.error_reason
        assert "\n" not in result.error_reason, result.error_reason
        assert result.sha256 == sha256  # the file's hash is kept with its error
    else:
        assert result.error_stage is None
        assert result.media.sha256 == sha256
        json.dumps([result.media.metadata, result.media.vpdq], allow_nan=False)
        if result.media.kind != "other":
            assert result.media.width
            assert result.media.height
    sniffed = sniff(data[:HEADER_BYTES])
    assert isinstance(sniffed, Sniffed)
    extension_fits(sniffed.format, path.suffix.lstrip("."))
    with decoder_output():
        try:
            if sniffed.kind == "image":
                json.dumps(read_metadata(open_image_header(data)).to_json(), allow_nan=False)
            elif sniffed.kind == "video":
                probe_video(path)
        except MediaError:
            pass


def fuzz_images_and_videos() -> None:
    """The subprocess's work: mutated pictures, then mutated videos, through the worker."""
    with tempfile.TemporaryDirectory() as folder:

        @FUZZ
        @given(mutated(image_seeds()))
        def images(case: tuple[str, bytes]) -> None:
            check_file(Path(folder), *case)

        @settings(FUZZ, max_examples=25)
        @given(mutated(video_seeds()))
        def videos(case: tuple[str, bytes]) -> None:
            check_file(Path(folder), *case)

        images()
        videos()


# Files the fuzzing found to break ingest, kept as fixed cases: (seed, mutation).
FOUND = {
    # A frame time of NaN was stored in the vPDQ hash (then unreadable, and not JSON).
    "nan-frame-time": ("clip.mp4", Mutation("delete", 65330, b"\x00")),
    # libheif refuses a picture larger once decoded than its header said, with RuntimeError.
    "heif-grows": ("phone.heic", Mutation("overwrite", 357, b"\x00\x00\x00\x01")),
    # libheif's message ends with a newline: the reason must still be one line.
    "heif-multiline": ("phone.heic", Mutation("overwrite", 91, b"\x00\x00\x01")),
}


@pytest.mark.parametrize("case", FOUND)
def test_files_the_fuzzing_found(tmp_path: Path, case: str) -> None:
    seed, mutation = FOUND[case]
    seeds = {**image_seeds(), **video_seeds()}
    check_file(tmp_path, seed, mutation.apply(seeds[seed]))


def test_mutated_media_end_as_one_record_or_one_error_in_bounded_memory() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (
        "import resource\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
        "from tests.ingest.test_fuzz_files import fuzz_images_and_videos\n"
        "fuzz_images_and_videos()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-5000:]
    # Decoders said plenty about these files; all of it went into the records.
    assert result.stderr == ""


@FUZZ
@given(st.one_of(st.binary(max_size=HEADER_BYTES), mutated(image_seeds())))
def test_sniffing_never_raises(case: bytes | tuple[str, bytes]) -> None:
    data = case if isinstance(case, bytes) else case[1]
    sniffed = sniff(data[:HEADER_BYTES])
    assert sniffed.kind in ("image", "video", "other")
    assert extension_fits(sniffed.format, "jpg") in (True, False)


@settings(FUZZ, max_examples=80)
@given(st.lists(mutations(), min_size=1, max_size=4))
def test_both_exif_readers_never_raise(changes: list[Mutation]) -> None:
    block = make_exif(EXIF).tobytes()
    for change in changes:
        block = change.apply(block)
    picture = make_image(size=(16, 16))
    # The direct reader serves well-formed JPEG blocks and hands the rest to Pillow's, which
    # also reads every other format's block: a PNG's eXIf chunk goes straight to it.
    for fmt in ("JPEG", "PNG"):
        try:
            data = encode(picture, fmt, exif=block)
        except (ValueError, OSError, struct.error):
            continue  # Pillow would not write this block at all
        # As in a worker: Pillow warns about corrupt EXIF while opening, into the record.
        with decoder_output():
            try:
                metadata = read_metadata(open_image_header(data))
            except MediaError:
                continue
        json.dumps(metadata.to_json(), allow_nan=False)
