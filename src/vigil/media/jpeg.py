"""Whether a JPEG holds enough data for the picture size its header declares.

libjpeg does not fail when a picture's data runs out early: it warns (Pillow drops the
warning) and fills the rest with grey. A JPEG whose header was altered to claim 12000x12000
pixels over 64x64 of data thus decodes "fine" into a 144-megapixel grey canvas, and would be
stored as such with a meaningless hash, after a decode costing hundreds of megabytes.

The size can be checked against the data before decoding. In a Huffman-coded JPEG (nearly
all of them) every 8x8 block of the full-resolution component costs at least one bit: its
DC coefficient's code, in the sequential scan or the first progressive one, is one bit or
more. A file with fewer bits than the picture has blocks cannot hold the picture it declares.
Arithmetic-coded JPEGs, rare, can code a flat block in less than a bit and are not checked.
"""

from __future__ import annotations

from vigil.media.errors import MediaError

# Start-of-frame markers of Huffman-coded pictures: baseline, extended, progressive,
# lossless. (0xC4 is a Huffman table, 0xC8 reserved, 0xCC an arithmetic-coding table.)
_HUFFMAN_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7})
_START_OF_SCAN = 0xDA
# Markers with no length field after them: TEM, the restart markers, SOI and EOI.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xDA)})


def check_data_fits_size(data: bytes, width: int, height: int) -> None:
    """Raise MediaError("decode") if the JPEG ``data`` is too small for ``width`` x ``height``.

    Does nothing for JPEGs that are not Huffman-coded or whose frame header cannot be found
    before the first scan (the decoder judges those).
    """
    blocks = -(-width // 8) * -(-height // 8)
    # The size test first: for every ordinary photo it passes, and the markers go unread.
    if len(data) * 8 < blocks and _huffman_coded(data):
        raise MediaError(
            "decode",
            f"the JPEG declares {width}x{height} pixels but holds {len(data):,} bytes, fewer "
            f"than the {-(-blocks // 8):,} that many pixels need at the least: its data is "
            "truncated or its header altered",
        )


def _huffman_coded(data: bytes) -> bool:
    """Whether the frame header met before the first scan is a Huffman-coded one."""
    position = 2  # after SOI
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _STANDALONE:
            position += 2
            continue
        if marker == _START_OF_SCAN:
            return False
        if marker in _HUFFMAN_FRAMES:
            return True
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return False  # an arithmetic-coded frame
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return False
