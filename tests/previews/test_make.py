"""Previews of generated benign media: sizes, colour, video strips, a blur that hides detail."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PIL.ImageFilter import GaussianBlur

from tests.imagegen import make_jpeg, make_jpeg_claiming, make_png
from tests.videogen import make_frame, make_video
from vigil.media.errors import MediaError
from vigil.previews.make import STRIP_FRAMES, THUMB_SIZE, blurred, thumbnail


def _opened(jpeg: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG"
    return image


def _detail(image: Image.Image) -> float:
    """High-frequency energy: the mean square of what a 2-pixel blur takes out of the picture.

    The borders, where the blur's edge handling adds its own differences, are left out.
    """
    grey = image.convert("L")
    fine = np.asarray(grey, np.float64) - np.asarray(grey.filter(GaussianBlur(2)), np.float64)
    return float(np.mean(fine[8:-8, 8:-8] ** 2))


@pytest.mark.parametrize(
    ("size", "expected"),
    [((640, 480), (256, 192)), ((300, 900), (85, 256)), ((96, 64), (96, 64))],
)
@pytest.mark.parametrize("make", [make_jpeg, make_png])
def test_an_image_s_thumbnail_is_colour_and_256_on_its_long_side(
    tmp_path: Path, make: Callable[..., bytes], size: tuple[int, int], expected: tuple[int, int]
) -> None:
    path = tmp_path / "picture"
    make(path, size=size)
    image = _opened(thumbnail(path))
    assert image.mode == "RGB"
    assert image.size == expected  # shrunk to THUMB_SIZE, never enlarged


def test_a_photo_is_turned_upright_from_its_exif_orientation(tmp_path: Path) -> None:
    path = tmp_path / "sideways.jpg"
    make_jpeg(path, size=(640, 480), exif={"Orientation": 6})
    assert _opened(thumbnail(path)).size == (192, THUMB_SIZE)


def test_a_video_s_preview_is_a_strip_of_frames_sampled_over_its_length(tmp_path: Path) -> None:
    size, fps, motion = (320, 240), 10, 6.0
    path = make_video(tmp_path / "clip.mp4", size=size, seconds=4.0, fps=fps, motion=motion)
    strip = _opened(thumbnail(path))
    assert strip.mode == "RGB"
    assert strip.size == (STRIP_FRAMES * 256, 192)
    sources = [
        np.asarray(
            Image.fromarray(make_frame(i, size=size, seed=0, motion=motion)).resize((256, 192)),
            float,
        )
        for i in range(4 * fps)
    ]
    for cell in range(STRIP_FRAMES):
        shown = np.asarray(strip.crop((cell * 256, 0, (cell + 1) * 256, 192)), float)
        closest = min(range(len(sources)), key=lambda i: float(np.mean(np.abs(shown - sources[i]))))
        # 4 s in 4 frames: one a second, frames 0, 10, 20, 30 (give or take the codec's noise).
        assert abs(closest - cell * fps) <= 1


def test_a_file_that_is_not_media_has_no_preview(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("a plain note\n")
    with pytest.raises(MediaError, match="no preview for text files"):
        thumbnail(path)


def test_a_picture_over_the_pixel_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jpg"
    path.write_bytes(make_jpeg_claiming(30_000, 30_000))
    with pytest.raises(MediaError, match="decompression bomb"):
        thumbnail(path)


def test_a_broken_image_raises_media_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(make_jpeg(size=(640, 480))[:200])
    with pytest.raises(MediaError):
        thumbnail(path)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_blurred_preview_is_greyscale_same_size_and_low_detail(
    tmp_path: Path, seed: int
) -> None:
    path = tmp_path / "picture.png"
    make_png(path, size=(800, 600), seed=seed)
    clear = thumbnail(path)
    blur = _opened(blurred(clear))
    original = _opened(clear)
    assert blur.mode == "L"
    assert blur.size == original.size
    assert _detail(blur) < 0.02 * _detail(original)


def test_blurring_something_that_is_not_an_image_raises_media_error() -> None:
    with pytest.raises(MediaError):
        blurred(b"not a picture")
