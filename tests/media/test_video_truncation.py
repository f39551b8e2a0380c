"""A video cut short is never stored as complete: flagged as truncated, or refused, hashes kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.videogen import make_video
from vigil.ingest.records import FileTask
from vigil.ingest.worker import WorkerOptions, process_file
from vigil.media.container import truncation
from vigil.media.errors import MediaError
from vigil.media.video import VideoFrames, iter_frames

#: Every container Vigil can write, with the MP4 index (moov) both at the end and at the start.
CONTAINERS = {
    "moov-last.mp4": {},
    "moov-first.mp4": {"movflags": "faststart"},
    "clip.mov": {},
    "clip.mkv": {},
    "clip.webm": {},
    "clip.avi": {},
}
SHARES = (0.9, 0.95, 0.99, 0.999, 0.9999)


@pytest.fixture(scope="module")
def whole_videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("whole")
    return {
        name: make_video(folder / name, seconds=10, fps=10, muxer_options=options).read_bytes()
        for name, options in CONTAINERS.items()
    }


def ingest(folder: Path, name: str, data: bytes) -> tuple[dict[str, object] | None, str | None]:
    """The video metadata stored for ``data``, or the reason it was refused."""
    (folder / name).write_bytes(data)
    result = process_file(
        os.fsencode(folder), FileTask(name.encode(), len(data), 0.0), WorkerOptions()
    )
    if result.media is None:
        assert result.error_stage == "decode", result.error_reason
        assert result.sha256 is not None  # the file's hash is kept with the error
        return None, result.error_reason
    assert result.media.vpdq, "a truncated video keeps the frames before the cut"
    video = result.media.metadata["video"]
    assert isinstance(video, dict)
    return video, None


@pytest.mark.parametrize("name", CONTAINERS)
def test_whole_videos_are_not_flagged(
    tmp_path: Path, whole_videos: dict[str, bytes], name: str
) -> None:
    video, refused = ingest(tmp_path, name, whole_videos[name])
    assert refused is None
    assert video is not None
    assert "truncated" not in video
    assert truncation(tmp_path / name) is None


@pytest.mark.parametrize("share", SHARES)
@pytest.mark.parametrize("name", CONTAINERS)
def test_every_cut_video_is_flagged_or_refused(
    tmp_path: Path, whole_videos: dict[str, bytes], name: str, share: float
) -> None:
    whole = whole_videos[name]
    video, refused = ingest(tmp_path, name, whole[: int(len(whole) * share)])
    if video is not None:
        assert video["truncated"], video
    else:
        assert refused is not None
        assert "truncated" in refused, refused


def test_cut_at_the_last_byte_says_how_much_is_missing(
    tmp_path: Path, whole_videos: dict[str, bytes]
) -> None:
    whole = whole_videos["clip.mkv"]
    video, _ = ingest(tmp_path, "clip.mkv", whole[:-2])
    assert video is not None
    assert video["truncated"] == (
        f"the file is truncated: it ends at byte {len(whole) - 2:,}, 2 bytes before the end "
        "of its Matroska segment"
    )


def test_frames_before_a_cut_are_kept(tmp_path: Path, whole_videos: dict[str, bytes]) -> None:
    whole = whole_videos["moov-first.mp4"]
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])
    frames = VideoFrames(cut)
    numbers = [frame.frame_number for frame in frames]
    assert numbers == list(range(len(numbers)))
    assert 20 <= len(numbers) < 100
    assert frames.truncated == f"video data is cut short after {len(numbers)} frames"
    with pytest.raises(MediaError, match="cut short"):
        list(iter_frames(cut))  # the strict reader still refuses it


@pytest.mark.parametrize(
    ("content", "verdict"),
    [
        # A box of size 0 runs to the end of the file: nothing can be missing.
        (b"\x00\x00\x00\x10ftypisom\x00\x00\x02\x00" + b"\x00\x00\x00\x00mdat" + b"x" * 50, None),
        (
            b"\x00\x00\x00\x10ftypisom\x00\x00\x02\x00" + b"\x00\x00\x01\x00mdat" + b"x" * 50,
            "'mdat' box",
        ),
        # A 64-bit box size.
        (
            b"\x00\x00\x00\x10ftypisom\x00\x00\x02\x00\x00\x00\x00\x01mdat"
            + (1 << 33).to_bytes(8, "big")
            + b"x" * 50,
            "'mdat' box",
        ),
        # A writer that never filled in the RIFF size: no verdict.
        (b"RIFF\x00\x00\x00\x00AVI LIST" + b"x" * 50, None),
        (b"RIFF\xff\x00\x00\x00AVI LIST" + b"x" * 50, "'AVI' RIFF chunk"),
        # A live Matroska recording: segment and cluster of unknown size.
        (
            b"\x1a\x45\xdf\xa3\x80" + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"
            b"\x1f\x43\xb6\x75\x01\xff\xff\xff\xff\xff\xff\xff" + b"x" * 50,
            None,
        ),
        # Inside an unknown-size segment, a child that overruns the file.
        (
            b"\x1a\x45\xdf\xa3\x80" + b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"
            b"\x15\x49\xa9\x66\x88" + b"x" * 4,
            "Matroska element",
        ),
        (b"not a container at all", None),
    ],
    ids=[
        "box-to-end",
        "box-overruns",
        "64-bit-box-overruns",
        "riff-size-unset",
        "riff-overruns",
        "live-matroska",
        "matroska-child-overruns",
        "unknown",
    ],
)
def test_container_structure(tmp_path: Path, content: bytes, verdict: str | None) -> None:
    path = tmp_path / "video"
    path.write_bytes(content)
    found = truncation(path)
    if verdict is None:
        assert found is None
    else:
        assert found is not None
        assert found.startswith("the file is truncated: it ends at byte ")
        assert found.endswith(verdict)
