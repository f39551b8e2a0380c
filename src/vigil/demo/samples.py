"""Benign source pictures for the demo: photos shipped inside Python packages, plus generated art.

The photos are found on disk through ``importlib.util.find_spec`` so the (heavy) packages are
never imported; only their data files are read.
"""

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from vigil.demo.errors import DemoBuildError


@dataclass(frozen=True)
class SamplePhoto:
    """A photograph shipped in a package: ``module`` is what Python imports, ``project`` what
    ``pip`` installs, ``path`` the file relative to the module's folder."""

    module: str
    project: str
    path: str


SAMPLE_PHOTOS: dict[str, SamplePhoto] = {
    "astronaut": SamplePhoto("skimage", "scikit-image", "data/astronaut.png"),
    "coffee": SamplePhoto("skimage", "scikit-image", "data/coffee.png"),
    "chelsea": SamplePhoto("skimage", "scikit-image", "data/chelsea.png"),
    "camera": SamplePhoto("skimage", "scikit-image", "data/camera.png"),
    "motorcycle": SamplePhoto("skimage", "scikit-image", "data/motorcycle_left.png"),
    "hubble": SamplePhoto("skimage", "scikit-image", "data/hubble_deep_field.jpg"),
    "rocket": SamplePhoto("skimage", "scikit-image", "data/rocket.jpg"),
    "grace_hopper": SamplePhoto(
        "matplotlib", "matplotlib", "mpl-data/sample_data/grace_hopper.jpg"
    ),
    "china": SamplePhoto("sklearn", "scikit-learn", "datasets/images/china.jpg"),
    "flower": SamplePhoto("sklearn", "scikit-learn", "datasets/images/flower.jpg"),
}


def sample_photo_file(name: str) -> Path:
    """The file of the sample photo ``name``; DemoBuildError names the package to install."""
    photo = SAMPLE_PHOTOS[name]
    spec = importlib.util.find_spec(photo.module)
    if spec is None or not spec.submodule_search_locations:
        raise DemoBuildError(
            f"the demo seizure needs the sample photographs of the Python package "
            f"{photo.project!r}, which is not installed: run `pip install {photo.project}`"
        )
    file = Path(next(iter(spec.submodule_search_locations))) / photo.path
    if not file.is_file():
        raise DemoBuildError(
            f"sample photograph {photo.path!r} is missing from the installed {photo.project!r}: "
            f"reinstall it with `pip install --force-reinstall {photo.project}`"
        )
    return file


def load_sample_photo(name: str) -> Image.Image:
    """Decode the sample photo ``name`` as an RGB image."""
    with Image.open(sample_photo_file(name)) as image:
        return image.convert("RGB")


def gradient_image(width: int = 480, height: int = 360) -> Image.Image:
    """A smooth diagonal colour gradient with a gentle wave, like a phone wallpaper."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    red = 255 * x / (width - 1)
    green = 255 * y / (height - 1)
    blue = 127.5 + 127.5 * np.sin((x + y) / 40.0)
    pixels = np.stack([red, green, blue], axis=-1).round().astype(np.uint8)
    return Image.fromarray(pixels, "RGB")


def shapes_image(seed: int, width: int = 400, height: int = 300) -> Image.Image:
    """Random coloured rectangles and ellipses, the same picture for the same ``seed``."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (width, height), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    for index in range(14):
        x0, x1 = sorted(int(v) for v in rng.integers(0, width, size=2))
        y0, y1 = sorted(int(v) for v in rng.integers(0, height, size=2))
        fill = tuple(int(v) for v in rng.integers(0, 256, size=3))
        box = (x0, y0, x1 + 8, y1 + 8)
        if index % 2:
            draw.ellipse(box, fill=fill, outline=(20, 20, 20), width=2)
        else:
            draw.rectangle(box, fill=fill)
    return image


def rings_image(width: int = 360, height: int = 360) -> Image.Image:
    """Concentric colour rings around an off-centre point."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    radius = np.hypot(x - width * 0.4, y - height * 0.55)
    red = 127.5 + 127.5 * np.cos(radius / 9.0)
    green = 127.5 + 127.5 * np.cos(radius / 13.0 + 1.0)
    blue = 255 * (1 - radius / radius.max())
    pixels = np.stack([red, green, blue], axis=-1).round().astype(np.uint8)
    return Image.fromarray(pixels, "RGB")
