"""What an image the browser received looks like: greyscale (a blurred preview) or not."""

from __future__ import annotations

from io import BytesIO

import numpy as np
from PIL import Image

#: JPEG's colour subsampling leaves small differences between channels of a grey picture.
CHANNEL_SLACK = 8


def colour_spread(data: bytes) -> int:
    """The largest difference between two colour channels of any pixel (0 for grey)."""
    with Image.open(BytesIO(data)) as image:
        if image.mode in ("L", "LA", "1", "I", "F"):
            return 0
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    return int((pixels.max(axis=2) - pixels.min(axis=2)).max())


def is_greyscale(data: bytes) -> bool:
    """True when the image has no colour (beyond JPEG's noise)."""
    return colour_spread(data) <= CHANNEL_SLACK
