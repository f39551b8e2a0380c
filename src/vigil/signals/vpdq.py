"""vPDQ: Meta's video signal, the PDQ hashes of a video's frames sampled at a fixed rate.

Frames are sampled as Meta's vPDQ reference samples them (every ``int(seconds * fps)``-th
frame, at the native size; see :mod:`vigil.media.video`) and each is hashed with PDQ at full
size, as the reference does: no 512-pixel shrink as for photos. Ingest samples one frame a
second and collapses runs of near-identical frames (a still scene) into their first frame;
hashing every frame without collapsing reproduces the reference's output, which the
conformance tests check.

Two videos are compared as sets of frames, as python-threatexchange's brute-force matcher
does: flat (low-quality) frames are dropped, then each side's share of frames that have a
PDQ match in the other side is counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pdqhash
from numpy.typing import NDArray

from vigil.media.errors import MediaError
from vigil.media.video import DecodedFrame, VideoFrames
from vigil.signals import pdq_signal

# The facts of the signal are defined in its light signal-type module; named here too for
# the hashing code's users.
from vigil.signals.vpdq_signal import MATCH_SHARE as MATCH_SHARE
from vigil.signals.vpdq_signal import PDQ_MATCH_THRESHOLD as PDQ_MATCH_THRESHOLD
from vigil.signals.vpdq_signal import QUALITY_THRESHOLD as QUALITY_THRESHOLD

#: Ingest's default sampling: one frame per second of video.
DEFAULT_SECONDS_PER_FRAME = 1.0
#: A frame this many bits or fewer from the last kept frame adds nothing and is collapsed.
#: Small against PDQ_MATCH_THRESHOLD, so collapsing costs next to no recall.
COLLAPSE_DISTANCE = 4
#: Decimal places kept for timestamps when frames are stored, as the reference prints them.
TIMESTAMP_DECIMALS = 3
# Below this side the reference refuses to hash a frame.
_MIN_HASHABLE_SIDE = 5


@dataclass(frozen=True)
class VpdqFrame:
    """One hashed frame: its number from 0, time in seconds, PDQ quality and PDQ hex."""

    frame_number: int
    timestamp: float
    quality: int
    pdq_hex: str


class VpdqComparison(NamedTuple):
    """How much of each video is found in the other, as shares from 0 to 1."""

    a_in_b: float  # share of A's reliable frames that match some frame of B
    b_in_a: float

    @property
    def matched(self) -> bool:
        """Whether A, taken as the query, counts as found in B."""
        return self.a_in_b >= MATCH_SHARE


def hash_frame(frame: DecodedFrame) -> VpdqFrame:
    """PDQ of one decoded frame at its full size."""
    rows, columns, _ = frame.rgb.shape
    if rows < _MIN_HASHABLE_SIDE or columns < _MIN_HASHABLE_SIDE:
        raise MediaError("vpdq", f"frames of {columns}x{rows} are too small to hash")
    bits, quality = pdqhash.compute(np.ascontiguousarray(frame.rgb))
    # pdqhash gives bits most significant first, the order of the reference's hex.
    hex_digits = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
    return VpdqFrame(frame.frame_number, frame.timestamp, int(quality), hex_digits)


@dataclass(frozen=True)
class VideoHash:
    """The hashed frames of a video, and why it ends early if it was cut short."""

    frames: list[VpdqFrame]
    truncated: str | None = None  # None for a video read to its end


def hash_video(
    path: Path,
    *,
    seconds_per_frame: float | None = DEFAULT_SECONDS_PER_FRAME,
    collapse: bool | None = None,
) -> list[VpdqFrame]:
    """vPDQ of the video at ``path``: one hashed frame per ``seconds_per_frame``.

    ``seconds_per_frame=None`` hashes every frame. ``collapse`` drops frames within
    COLLAPSE_DISTANCE bits of the last kept one; by default it is on when sampling by time
    and off when hashing every frame, which then reproduces the reference's output.
    Raises MediaError for files that cannot be decoded, truncated ones included (see
    :func:`hash_video_frames` to keep the frames before the cut).
    """
    video = hash_video_frames(path, seconds_per_frame=seconds_per_frame, collapse=collapse)
    if video.truncated is not None:
        raise MediaError("decode", f"{path.name}: {video.truncated}")
    return video.frames


def hash_video_frames(
    path: Path,
    *,
    seconds_per_frame: float | None = DEFAULT_SECONDS_PER_FRAME,
    collapse: bool | None = None,
) -> VideoHash:
    """vPDQ of the video at ``path`` as :func:`hash_video`, keeping a truncated video's frames.

    A video that ends early (see :class:`~vigil.media.video.VideoFrames`) gives the frames
    before the cut and the reason; one with no decodable frame raises MediaError.
    """
    decoded = VideoFrames(path, seconds_per_frame=seconds_per_frame)
    frames = [hash_frame(f) for f in decoded]
    if collapse is None:
        collapse = seconds_per_frame is not None
    return VideoHash(collapse_runs(frames) if collapse else frames, decoded.truncated)


def collapse_runs(
    frames: Iterable[VpdqFrame], max_distance: int = COLLAPSE_DISTANCE
) -> list[VpdqFrame]:
    """Keep the first frame of each run of near-identical consecutive frames.

    Each frame is measured against the last frame kept, not its neighbour, so a slow
    drift still yields a new frame once it has moved far enough.
    """
    kept: list[VpdqFrame] = []
    for frame in frames:
        if not kept or _distance(kept[-1].pdq_hex, frame.pdq_hex) > max_distance:
            kept.append(frame)
    return kept


def compare(
    a_frames: Sequence[VpdqFrame],
    b_frames: Sequence[VpdqFrame],
    *,
    pdq_threshold: int = PDQ_MATCH_THRESHOLD,
    quality_threshold: int = QUALITY_THRESHOLD,
) -> VpdqComparison:
    """Share of A's frames found in B and of B's found in A.

    Frames below ``quality_threshold`` are left out and repeated hashes counted once; a
    frame is found when some frame of the other video is within ``pdq_threshold`` bits. A
    video with no reliable frame has share 0: it can match nothing.
    """
    a_bits = _reliable_hashes(a_frames, quality_threshold)
    b_bits = _reliable_hashes(b_frames, quality_threshold)
    if not len(a_bits) or not len(b_bits):
        return VpdqComparison(0.0, 0.0)
    close = _distances(a_bits, b_bits) <= pdq_threshold
    return VpdqComparison(
        float(close.any(axis=1).mean()),
        float(close.any(axis=0).mean()),
    )


def to_json(frames: Iterable[VpdqFrame]) -> list[list[int | float | str]]:
    """Frames as JSON-ready ``[frame_number, timestamp, quality, pdq_hex]`` lists."""
    return [
        [f.frame_number, round(f.timestamp, TIMESTAMP_DECIMALS), f.quality, f.pdq_hex]
        for f in frames
    ]


def from_json(value: object) -> list[VpdqFrame]:
    """Frames back from :func:`to_json`'s form; ValueError naming the first bad entry."""
    if not isinstance(value, list):
        raise ValueError(f"vPDQ must be a list of frames, not {type(value).__name__}")
    return [_frame_from_json(index, entry) for index, entry in enumerate(value)]


def get_examples() -> list[list[VpdqFrame]]:
    """Known vPDQ hashes for tests and demos, one frame a second from Meta's test videos.

    Three different videos (two moving test patterns and a doorknob): each matches itself
    and none matches another.
    """
    pattern_hd = [
        "d3d8981ba52c59e79fb49295bed80905036b1dbe57b292c8ea4fb525f52c420e",
        "db58997a042c5de7dfb49a55ae580905016b8cba57b69ac0b64fdd27f52c480e",
        "0ad784c9d5a342a1385aa67975f8e529f2052e5f2bda5419550fd697ecf0e702",
        "68b9a94154e26a14f1cafe7d4d40967cc54671abb4b91a29bc05d7d13cace6d2",
    ]
    pattern_sd = [
        "b2dc981be36c994787bc16811edcda81d20b855627b6bff86e8ba1050b44ff86",
        "92de981be52e894783bc92854edcda89f24b955627b6dff82a8b81052554dbc6",
        "c0a3efc9a963f0a91e9a62392afc65013ba5421f529aafb9af4fa013157467e2",
        "5cb97ad1acf2569c38da1e3def40867ce206314b2d1996090fa5a7f1955c7496",
    ]
    doorknob = [
        "dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c",
        "c8feb0fc73110f830fc6307cf039e7030fc61b9cf8717cf80fce00070003fffe",
    ]
    return [
        [VpdqFrame(30 * second, float(second), 100, hex_) for second, hex_ in enumerate(hexes)]
        for hexes in (pattern_hd, pattern_sd, doorknob)
    ]


def _frame_from_json(index: int, entry: object) -> VpdqFrame:
    if not isinstance(entry, list) or len(entry) != 4:
        raise ValueError(f"vPDQ frame {index} is not [frame_number, timestamp, quality, hex]")
    frame_number, timestamp, quality, hex_digits = entry
    valid = (
        isinstance(frame_number, int)
        and frame_number >= 0
        and isinstance(timestamp, int | float)
        and timestamp >= 0
        and isinstance(quality, int)
        and 0 <= quality <= 100
        and isinstance(hex_digits, str)
    )
    if not valid:
        raise ValueError(f"vPDQ frame {index} has a bad value: {entry!r}")
    return VpdqFrame(frame_number, float(timestamp), quality, pdq_signal.validate_hex(hex_digits))


def _distance(a_hex: str, b_hex: str) -> int:
    return (int(a_hex, 16) ^ int(b_hex, 16)).bit_count()


def _reliable_hashes(frames: Iterable[VpdqFrame], quality_threshold: int) -> NDArray[np.uint64]:
    """Distinct hashes of the frames at or above ``quality_threshold``, as rows of 4 words."""
    hexes = sorted({f.pdq_hex for f in frames if f.quality >= quality_threshold})
    raw = b"".join(bytes.fromhex(h) for h in hexes)
    return np.frombuffer(raw, dtype=np.uint64).reshape(len(hexes), 4)


def _distances(a: NDArray[np.uint64], b: NDArray[np.uint64]) -> NDArray[np.int64]:
    """Hamming distance between every row of ``a`` and every row of ``b``."""
    # Row blocks keep the len(a) x len(b) x 4 intermediate small for hour-long videos.
    block = 512
    out = np.empty((len(a), len(b)), dtype=np.int64)
    for start in range(0, len(a), block):
        xor = a[start : start + block, None, :] ^ b[None, :, :]
        out[start : start + block] = np.bitwise_count(xor).sum(axis=2)
    return out
