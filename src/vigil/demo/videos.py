"""Short benign demo videos, panning and zooming over a still photo, encoded with PyAV.

Output is bit-for-bit stable: frames are converted to YUV here (not by swscale, whose SIMD
paths may differ between CPUs), encoders run single-threaded, and the codec and the muxer
are asked for bit-exact output (otherwise Matroska writes a random segment UID).
"""

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import av
import numpy as np
from PIL import Image

FRAME_SIZE = (320, 240)
FRAMES_PER_SECOND = 6


@dataclass(frozen=True)
class VideoFormat:
    """A container and the encoder that fills it."""

    container: str
    codec: str
    options: dict[str, str] = field(default_factory=dict)


H264_MP4 = VideoFormat("mp4", "libx264", {"threads": "1", "preset": "veryfast", "crf": "26"})
MPEG4_MP4 = VideoFormat("mp4", "mpeg4", {"threads": "1"})
MPEG4_AVI = VideoFormat("avi", "mpeg4", {"threads": "1"})
VP8_MKV = VideoFormat("matroska", "libvpx", {"threads": "1", "deadline": "realtime"})
VP9_WEBM = VideoFormat(
    "webm", "libvpx-vp9", {"threads": "1", "deadline": "realtime", "cpu-used": "8"}
)


def encoder_available(video_format: VideoFormat) -> bool:
    """Whether the installed PyAV can encode ``video_format``'s codec."""
    try:
        av.codec.Codec(video_format.codec, "w")
    except av.codec.codec.UnknownCodecError:
        return False
    return True


def pan_frames(photo: Image.Image, seconds: float) -> Iterator[np.ndarray]:
    """Frames sweeping a window, 60% of the photo's size, from its left edge to its right."""
    count = round(seconds * FRAMES_PER_SECOND)
    width, height = _window(photo, 0.6)
    top = (photo.height - height) // 2
    for index in range(count):
        left = round((photo.width - width) * index / max(1, count - 1))
        yield _frame(photo.crop((left, top, left + width, top + height)))


def zoom_frames(photo: Image.Image, seconds: float, zoom_in: bool = True) -> Iterator[np.ndarray]:
    """Frames zooming from the whole photo to its central half, or back out."""
    count = round(seconds * FRAMES_PER_SECOND)
    for index in range(count):
        progress = index / max(1, count - 1)
        scale = 1.0 - 0.5 * (progress if zoom_in else 1.0 - progress)
        width, height = _window(photo, scale)
        left, top = (photo.width - width) // 2, (photo.height - height) // 2
        yield _frame(photo.crop((left, top, left + width, top + height)))


def _window(photo: Image.Image, scale: float) -> tuple[int, int]:
    """The largest 4:3 window at ``scale`` of the photo's size."""
    width = min(photo.width, photo.height * 4 // 3)
    return round(width * scale), round(width * 3 / 4 * scale)


def _frame(picture: Image.Image) -> np.ndarray:
    return rgb_to_yuv420p(np.asarray(picture.resize(FRAME_SIZE, Image.Resampling.BILINEAR)))


def rgb_to_yuv420p(rgb: np.ndarray) -> np.ndarray:
    """Convert an RGB array (even sides) to the planar YUV 4:2:0 layout PyAV expects.

    Integer BT.601 limited-range maths, so the result never depends on the CPU.
    """
    pixels = rgb.astype(np.int32)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
    u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
    v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128
    height, width = y.shape

    def subsample(plane: np.ndarray) -> np.ndarray:
        quads: np.ndarray = (
            plane[0::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 0::2] + plane[1::2, 1::2]
        )
        return ((quads + 2) // 4).reshape(height // 4, width)

    # BT.601 maps 0..255 RGB into 16..240, so the cast to bytes cannot wrap.
    planes: np.ndarray = np.concatenate([y, subsample(u), subsample(v)])
    return planes.astype(np.uint8)


def encode_video(frames: Iterable[np.ndarray], video_format: VideoFormat) -> bytes:
    """Encode YUV 4:2:0 frames (from ``pan_frames``/``zoom_frames``) and return the file bytes."""
    buffer = io.BytesIO()
    with av.open(
        buffer, "w", format=video_format.container, options={"fflags": "+bitexact"}
    ) as container:
        stream = container.add_stream(
            video_format.codec, rate=FRAMES_PER_SECOND, options=video_format.options
        )
        if not isinstance(stream, av.VideoStream):
            raise ValueError(f"{video_format.codec} is not a video codec")
        stream.width, stream.height = FRAME_SIZE
        stream.pix_fmt = "yuv420p"
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        for planes in frames:
            frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def reencode_video(data: bytes, video_format: VideoFormat) -> bytes:
    """Decode a demo video and encode its frames again, as a sharing app would."""
    with av.open(io.BytesIO(data), "r") as source:
        frames = [frame.to_ndarray(format="yuv420p") for frame in source.decode(video=0)]
    return encode_video(frames, video_format)
