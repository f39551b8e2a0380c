"""vPDQ: agreement with Meta's reference, matching re-encoded videos, collapsing, storage form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.videogen import make_video
from vigil.media.errors import MediaError
from vigil.signals.vpdq import (
    COLLAPSE_DISTANCE,
    VpdqFrame,
    collapse_runs,
    compare,
    from_json,
    get_examples,
    hash_video,
    to_json,
)

CONFORMANCE_VIDEOS = [
    "pattern-sd-grey-bar",
    "test-padded-dimensions",
    "doorknob-hd-no-bar",
    "pattern-hd-no-bar",
]
# Decoders and colour converters differ slightly; reliable frames must stay this close.
CONFORMANCE_BITS = 10


def bits_apart(a_hex: str, b_hex: str) -> int:
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def assert_agree(frames: list[VpdqFrame], reference: list[list[str]]) -> None:
    """Frames agree with reference lines ``frame_number,quality,pdq_hex,timestamp``."""
    assert len(frames) == len(reference)
    for frame, (number, quality, hex_digits, timestamp) in zip(frames, reference, strict=True):
        assert frame.frame_number == int(number)
        assert f"{frame.timestamp:.3f}" == timestamp
        assert frame.quality == int(quality), f"frame {number}"
        if frame.quality >= 50:
            assert bits_apart(frame.pdq_hex, hex_digits) <= CONFORMANCE_BITS, f"frame {number}"


def reference_lines(conformance_data: Path, name: str) -> list[list[str]]:
    text = (conformance_data / "vpdq" / "hashes" / f"{name}.txt").read_text()
    return [line.split(",") for line in text.split()]


@pytest.mark.slow  # hashing every frame of these HD videos takes 10-60 s each
@pytest.mark.parametrize("name", CONFORMANCE_VIDEOS)
def test_every_frame_hashes_agree_with_the_reference(conformance_data: Path, name: str) -> None:
    video = conformance_data / "vpdq" / "videos" / f"{name}.mp4"
    assert_agree(hash_video(video, seconds_per_frame=None), reference_lines(conformance_data, name))


@pytest.mark.parametrize("name", CONFORMANCE_VIDEOS)
def test_sampled_frames_agree_with_the_reference(conformance_data: Path, name: str) -> None:
    # At 30 fps, one frame a second is every 30th frame of the reference's every-frame output.
    video = conformance_data / "vpdq" / "videos" / f"{name}.mp4"
    frames = hash_video(video, seconds_per_frame=1.0, collapse=False)
    assert_agree(frames, reference_lines(conformance_data, name)[::30])


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("vpdq")
    return make_video(folder / "original.mp4", seconds=4, fps=10, size=(128, 96), seed=3)


def test_reencoded_copy_matches_frame_by_frame(original: Path, tmp_path: Path) -> None:
    copy = make_video(
        tmp_path / "copy.webm", seconds=4, fps=10, size=(128, 96), seed=3, bit_rate=80_000
    )
    a, b = hash_video(original, seconds_per_frame=None), hash_video(copy, seconds_per_frame=None)
    assert len(a) == len(b) == 40
    assert all(bits_apart(x.pdq_hex, y.pdq_hex) <= 31 for x, y in zip(a, b, strict=True))
    result = compare(hash_video(original), hash_video(copy))
    assert result == (1.0, 1.0)
    assert result.matched


def test_different_video_does_not_match(original: Path, tmp_path: Path) -> None:
    other = make_video(tmp_path / "other.mp4", seconds=4, fps=10, size=(128, 96), seed=4)
    result = compare(hash_video(original), hash_video(other))
    assert result == (0.0, 0.0)
    assert not result.matched


def test_a_clip_is_found_in_the_full_video(original: Path, tmp_path: Path) -> None:
    # The first second of the same scene: all of the clip is in the video, not the reverse.
    clip = make_video(tmp_path / "clip.mkv", seconds=1, fps=10, size=(128, 96), seed=3)
    every_frame = {"seconds_per_frame": None}
    result = compare(hash_video(clip, **every_frame), hash_video(original, **every_frame))
    assert result.a_in_b == 1.0
    assert 0.25 <= result.b_in_a < 0.5


def test_default_sampling_takes_one_frame_a_second(original: Path) -> None:
    frames = hash_video(original)
    assert [(f.frame_number, f.timestamp) for f in frames] == [
        (0, 0.0),
        (10, 1.0),
        (20, 2.0),
        (30, 3.0),
    ]
    assert all(f.quality >= 50 for f in frames)


def test_still_scene_collapses_to_its_first_frame(tmp_path: Path) -> None:
    still = make_video(tmp_path / "still.mp4", seconds=4, fps=10, size=(128, 96), motion=0)
    assert [f.frame_number for f in hash_video(still)] == [0]
    assert len(hash_video(still, collapse=False)) == 4
    # Every-frame sampling reproduces the reference, so it does not collapse unless asked.
    assert len(hash_video(still, seconds_per_frame=None)) == 40


def test_collapse_measures_from_the_last_kept_frame() -> None:
    base = int(get_examples()[0][0].pdq_hex, 16)
    drift = [base ^ ((1 << (3 * n)) - 1) for n in range(4)]  # 0, 3, 6, 9 bits from base
    frames = [VpdqFrame(n, float(n), 100, f"{h:064x}") for n, h in enumerate(drift)]
    assert 3 <= COLLAPSE_DISTANCE < 6
    # Each step is 3 bits, under the threshold, yet frame 2 is 6 bits from the kept frame 0.
    assert [f.frame_number for f in collapse_runs(frames)] == [0, 2]


def test_flat_frames_are_not_matched_on() -> None:
    pattern = get_examples()[0]
    flat = [VpdqFrame(f.frame_number, f.timestamp, 10, f.pdq_hex) for f in pattern]
    assert compare(pattern, flat) == (0.0, 0.0)
    assert compare(pattern, flat, quality_threshold=10) == (1.0, 1.0)


def test_repeated_hashes_count_once() -> None:
    pattern = get_examples()[0]
    padded = pattern[:1] * 10 + [get_examples()[2][0]]
    # B holds 2 distinct reliable hashes, one of which is in A: half of B, not 10/11.
    assert compare(pattern, padded) == (0.25, 0.5)


def test_examples_match_themselves_only() -> None:
    examples = get_examples()
    for i, a in enumerate(examples):
        for j, b in enumerate(examples):
            assert compare(a, b).matched == (i == j)


def test_storage_form_round_trips_through_json() -> None:
    frames = [VpdqFrame(12, 0.4004, 87, get_examples()[1][0].pdq_hex)]
    stored = json.loads(json.dumps(to_json(frames)))
    assert stored == [[12, 0.4, 87, frames[0].pdq_hex]]
    assert from_json(stored) == [VpdqFrame(12, 0.4, 87, frames[0].pdq_hex)]


@pytest.mark.parametrize(
    "stored",
    [
        {"frames": []},
        [[0, 0.0, 100]],
        [[0, 0.0, 101, "0" * 64]],
        [[-1, 0.0, 100, "0" * 64]],
        [["0", 0.0, 100, "0" * 64]],
        [[0, 0.0, 100, "xyz"]],
    ],
)
def test_bad_storage_form_is_rejected(stored: object) -> None:
    with pytest.raises(ValueError, match=r"vPDQ|PDQ"):
        from_json(stored)


def test_broken_video_raises_media_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200)
    with pytest.raises(MediaError):
        hash_video(broken)
