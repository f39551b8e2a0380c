"""Reading videos: container metadata, decoded frames, and refusing broken files."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.videogen import make_frame, make_video
from vigil.media.errors import MediaError
from vigil.media.video import iter_frames, probe_video

CREATED = "2024-03-01T10:00:00.000000Z"


@pytest.mark.parametrize(
    ("name", "container", "codec", "size", "keeps_creation_time"),
    [
        ("clip.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", (96, 64), True),
        ("clip.mov", "mov,mp4,m4a,3gp,3g2,mj2", "h264", (96, 64), True),
        ("clip.mkv", "matroska,webm", "h264", (96, 64), True),
        ("clip.webm", "matroska,webm", "vp8", (96, 64), True),
        ("clip.3gp", "mov,mp4,m4a,3gp,3g2,mj2", "h263", (176, 144), True),
        # AVI has no creation_time field: FFmpeg drops it, and probing must not invent one.
        ("clip.avi", "avi", "mpeg4", (96, 64), False),
    ],
)
def test_probe_reads_container_metadata(
    tmp_path: Path,
    name: str,
    container: str,
    codec: str,
    size: tuple[int, int],
    keeps_creation_time: bool,
) -> None:
    path = make_video(tmp_path / name, seconds=2, fps=10, size=size, creation_time=CREATED)
    info = probe_video(path)
    assert (info.container, info.codec) == (container, codec)
    assert (info.width, info.height) == size
    assert info.frame_rate == 10
    assert info.duration == pytest.approx(2.0, abs=0.11)
    assert info.creation_time == (CREATED if keeps_creation_time else None)


def test_probe_without_creation_time(tmp_path: Path) -> None:
    assert probe_video(make_video(tmp_path / "clip.mp4", seconds=1)).creation_time is None


def test_every_frame_is_decoded_with_its_time_and_pixels(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mkv", seconds=2, fps=10, codec="ffv1")
    frames = list(iter_frames(path))
    assert [f.frame_number for f in frames] == list(range(20))
    assert [f.timestamp for f in frames] == pytest.approx([n / 10 for n in range(20)])
    # FFV1 is lossless, so what comes back is the drawn frame up to YUV 4:2:0 rounding.
    drawn = make_frame(7, size=(96, 64), seed=0, motion=1.0).astype(int)
    assert frames[7].rgb.shape == (64, 96, 3)
    assert frames[7].rgb.dtype == np.uint8
    assert np.abs(frames[7].rgb.astype(int) - drawn).mean() < 4


def test_sampling_keeps_one_frame_per_period(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4", seconds=3.5, fps=10)
    frames = list(iter_frames(path, seconds_per_frame=1.0))
    assert [(f.frame_number, f.timestamp) for f in frames] == [
        (0, 0.0),
        (10, 1.0),
        (20, 2.0),
        (30, 3.0),
    ]


def test_sampling_period_must_be_positive(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4", seconds=1)
    with pytest.raises(ValueError, match="positive"):
        list(iter_frames(path, seconds_per_frame=0))


@pytest.mark.parametrize("name", ["clip.mp4", "clip.avi", "clip.mkv", "clip.webm"])
def test_truncated_video_is_refused(tmp_path: Path, name: str) -> None:
    whole = make_video(tmp_path / name, seconds=4, fps=10).read_bytes()
    cut = tmp_path / f"cut-{name}"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(MediaError) as raised:
        list(iter_frames(cut))
    assert raised.value.stage == "decode"
    assert cut.name in raised.value.reason


def test_video_with_garbage_frames_is_refused(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.avi", seconds=2, fps=10)
    data = bytearray(path.read_bytes())
    # Overwrite the frame data after the header with noise: the container still opens.
    header = data.index(b"movi") + 4
    noise = np.random.default_rng(0).integers(0, 256, len(data) - header - 64, dtype=np.uint8)
    data[header : header + len(noise)] = noise.tobytes()
    path.write_bytes(bytes(data))
    with pytest.raises(MediaError, match=r"clip\.avi") as raised:
        list(iter_frames(path))
    assert raised.value.stage == "decode"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a readable video"),
        (b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40, "not a readable video"),
    ],
)
def test_non_videos_are_refused(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "fake.mp4"
    path.write_bytes(content)
    for read in (probe_video, lambda p: list(iter_frames(p))):
        with pytest.raises(MediaError, match=reason):
            read(path)


def test_missing_file_is_a_media_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"gone\.mp4"):
        probe_video(tmp_path / "gone.mp4")


def test_audio_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "voice.mp4"
    with av.open(str(path), "w") as output:
        stream = output.add_stream("aac", rate=8000)
        samples = np.zeros((1, 1024), dtype=np.float32)
        for _ in range(4):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate = 8000
            output.mux(stream.encode(frame))
        output.mux(stream.encode())
    with pytest.raises(MediaError, match="no video stream"):
        probe_video(path)
