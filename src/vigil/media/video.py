"""Read videos safely with PyAV (FFmpeg): container metadata, and decoded frames as RGB.

Frames are converted to RGB the way Meta's vPDQ reference converts them, so that hashes of
them agree with the vPDQ lists partners share: BT.601 coefficients and the range the pixel
format implies, whatever the colour tags say, at the native size. ``ACCURATE_RND`` asks
swscale for its exact (not SIMD-approximated) conversion; measured on the conformance
videos, it reproduces the reference's frame hashes where the fast conversion was up to 22
bits off.

A file that cannot be opened, has no video stream or yields no frame raises
``MediaError("decode", ...)``. A video that decodes for a while and then ends early -- a packet
cut short, a stream that breaks, a Matroska stream stopping well before its declared length,
or a file shorter than its container's structure declares (:mod:`vigil.media.container`) --
is *truncated*: :class:`VideoFrames` yields the frames before the cut and then says why in
``truncated``, so that the frames can still be matched and the file is flagged, while
:func:`iter_frames` raises for it. Decoding walks the file forward once and stops at its end,
so a broken stream cannot loop; the ingest worker bounds the time spent on one file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import av.container
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, Interpolation, VideoReformatter
from numpy.typing import NDArray

from vigil.media.container import truncation
from vigil.media.errors import MediaError

#: Largest frame decoded (pixels): 8K video passes; anything bigger is refused unread.
MAX_FRAME_PIXELS = 64_000_000
_RGB_FLAGS = Interpolation.LANCZOS | Interpolation.ACCURATE_RND
_MICROSECONDS = 1_000_000
_CUT_SHORT_SECONDS = 1.0
_CUT_SHORT_SHARE = 0.1
_MAX_TIME_CHARS = 64


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video's first video stream."""

    container: str  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "avi"
    codec: str
    width: int
    height: int
    frame_rate: float | None  # frames per second; None when the container does not say
    duration: float | None  # seconds
    creation_time: str | None  # ISO 8601, as written in the container's metadata


@dataclass(frozen=True)
class DecodedFrame:
    """One decoded frame: its number in decode order from 0, time in seconds, RGB pixels."""

    frame_number: int
    timestamp: float
    rgb: NDArray[np.uint8]  # rows x columns x 3


def probe_video(path: Path) -> VideoInfo:
    """Read a video's container metadata without decoding frames.

    Raises ``MediaError("decode", ...)`` when the file is not a readable video.
    """
    with _explained(path), _open(path) as container:
        stream = _video_stream(container, path)
        return VideoInfo(
            container=container.format.name,
            codec=stream.codec_context.name,
            width=stream.width,
            height=stream.height,
            frame_rate=_frame_rate(stream),
            duration=_duration(container, stream),
            creation_time=_creation_time(container, stream),
        )


class VideoFrames:
    """A video's frames decoded in order as RGB, and, once read, whether it was cut short.

    With ``seconds_per_frame`` set, only every ``int(seconds_per_frame * frame_rate)``-th
    frame is converted and yielded (frames 0, n, 2n, ...), as Meta's vPDQ reference samples;
    ``None`` yields every frame. Timestamps are presentation times relative to the first
    frame. Iterating raises ``MediaError("decode", ...)`` for a file with no decodable frame;
    after a complete iteration ``truncated`` is None for a whole video, or says why the video
    ends early (the frames before the cut were yielded).
    """

    def __init__(self, path: Path, *, seconds_per_frame: float | None = None) -> None:
        self.path = path
        self.seconds_per_frame = seconds_per_frame
        self.truncated: str | None = None

    def __iter__(self) -> Iterator[DecodedFrame]:
        path = self.path
        with _explained(path), _open(path) as container:
            stream = _video_stream(container, path)
            step = _sampling_step(stream, self.seconds_per_frame, path)
            # Threads decode faster; H.264 and the other codecs decode bit-exactly either way.
            stream.thread_type = "AUTO"
            to_rgb = VideoReformatter()
            count = 0
            first_time: float | None = None
            timestamp = 0.0
            try:
                for frame in self._decoded(container, stream):
                    if first_time is None:
                        first_time = frame.time
                    timestamp = _timestamp(frame.time, first_time, count, stream)
                    if count % step == 0:
                        yield DecodedFrame(count, timestamp, _rgb(to_rgb, frame))
                    count += 1
            except av.FFmpegError as exc:  # a decoded frame that cannot be converted to RGB
                self.truncated = f"video frame {count} cannot be read: {exc}"
            if count == 0:
                detail = f" ({self.truncated})" if self.truncated else ""
                raise MediaError("decode", f"{path.name}: no video frame could be decoded{detail}")
            self.truncated = self.truncated or _cut_short(container, timestamp) or truncation(path)

    def _decoded(
        self, container: av.container.InputContainer, stream: av.VideoStream
    ) -> Iterator[av.VideoFrame]:
        """The stream's frames, up to the end or to the first sign of a cut (then noted)."""
        count = 0
        try:
            for packet in container.demux(stream):
                cut = packet.is_corrupt
                # At a cut, flush: the frames the decoder still holds came from whole packets.
                for frame in stream.decode(None if cut else packet):
                    count += 1
                    yield frame
                if cut:
                    self.truncated = f"video data is cut short after {count} frames"
                    return
        except av.FFmpegError as exc:
            self.truncated = f"video stream breaks after {count} frames: {exc}"


def iter_frames(path: Path, *, seconds_per_frame: float | None = None) -> Iterator[DecodedFrame]:
    """Decode the whole video's frames in order, yielding them as RGB (see :class:`VideoFrames`).

    Raises ``MediaError("decode", ...)`` for broken files, including, once the frames before
    the cut are yielded, a truncated one.
    """
    frames = VideoFrames(path, seconds_per_frame=seconds_per_frame)
    yield from frames
    if frames.truncated is not None:
        raise MediaError("decode", f"{path.name}: {frames.truncated}")


@contextmanager
def _explained(path: Path) -> Iterator[None]:
    """Add to a failure to read the video that the file is truncated, when it is."""
    try:
        yield
    except MediaError as exc:
        cut = truncation(path)
        if cut is None:
            raise
        raise MediaError(exc.stage, f"{exc.reason}; {cut}") from exc


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError("decode", f"{path.name}: not a readable video ({exc})") from exc


def _video_stream(container: av.container.InputContainer, path: Path) -> av.VideoStream:
    if not container.streams.video:
        raise MediaError("decode", f"{path.name}: the file holds no video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None:  # PyAV then has no picture size to give either
        raise MediaError("decode", f"{path.name}: the video stream's codec is unknown")
    if stream.width <= 0 or stream.height <= 0:
        raise MediaError("decode", f"{path.name}: the video stream has no picture size")
    if stream.width * stream.height > MAX_FRAME_PIXELS:
        raise MediaError(
            "decode",
            f"{path.name}: frames of {stream.width}x{stream.height} exceed the "
            f"{MAX_FRAME_PIXELS:,}-pixel limit",
        )
    return stream


def _frame_rate(stream: av.VideoStream) -> float | None:
    # The average rate first, then the container's base rate, as the vPDQ reference does.
    rate = stream.average_rate or stream.base_rate
    return float(rate) if rate else None


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    seconds = None
    if container.duration is not None:
        seconds = container.duration / _MICROSECONDS
    elif stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    # A damaged header can declare a negative length: that is no length at all.
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _creation_time(container: av.container.InputContainer, stream: av.VideoStream) -> str | None:
    value = container.metadata.get("creation_time") or stream.metadata.get("creation_time")
    # Stored as written, but a hostile file's "time" can be any length and hold any character.
    cleaned = "".join(c for c in (value or "")[:_MAX_TIME_CHARS] if c.isprintable()).strip()
    return cleaned or None


def _sampling_step(stream: av.VideoStream, seconds_per_frame: float | None, path: Path) -> int:
    if seconds_per_frame is None:
        return 1
    if seconds_per_frame <= 0:
        raise ValueError(f"seconds_per_frame must be positive, not {seconds_per_frame}")
    rate = _frame_rate(stream)
    if rate is None:
        raise MediaError("decode", f"{path.name}: the video declares no frame rate to sample by")
    # int() truncates like the reference; a clip under one frame per step still yields frame 0.
    return max(1, int(seconds_per_frame * rate))


def _cut_short(container: av.container.InputContainer, last: float) -> str | None:
    """Why a Matroska / WebM video stopping well before its declared length is cut short.

    Their demuxer ends quietly at a cut, unlike the MP4 and AVI ones, which flag the cut
    packet. The margin allows for audio outlasting the video in the declared length.
    """
    if container.format.name != "matroska,webm" or container.duration is None:
        return None
    declared = container.duration / _MICROSECONDS
    if declared - last > max(_CUT_SHORT_SECONDS, _CUT_SHORT_SHARE * declared):
        return f"video stops at {last:.1f} s of the {declared:.1f} s its header declares"
    return None


def _timestamp(
    time: float | None, first_time: float | None, frame_number: int, stream: av.VideoStream
) -> float:
    if time is not None and first_time is not None:
        elapsed = time - first_time
        # Damaged timestamps (NaN, running backwards) would be stored as unreadable hashes.
        if math.isfinite(elapsed) and elapsed >= 0:
            return elapsed
    # Without timestamps (some AVI streams), fall back on the frame's place at the nominal rate.
    rate = _frame_rate(stream)
    return frame_number / rate if rate else 0.0


def _rgb(to_rgb: VideoReformatter, frame: av.VideoFrame) -> NDArray[np.uint8]:
    # The reference's swscale context takes the range from the pixel format alone (yuvj* is
    # full range) and uses BT.601; forcing both here keeps colour tags from changing hashes.
    full_range = frame.format.name.startswith("yuvj")
    rgb = to_rgb.reformat(
        frame,
        format="rgb24",
        src_colorspace=Colorspace.ITU601,
        dst_colorspace=Colorspace.ITU601,
        src_color_range=ColorRange.JPEG if full_range else ColorRange.MPEG,
        dst_color_range=ColorRange.JPEG,
        interpolation=_RGB_FLAGS,
    )
    return np.asarray(rgb.to_ndarray(), dtype=np.uint8)
