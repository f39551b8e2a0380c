"""Damaged and hostile files that a real seizure contains, built byte by byte.

Each function returns file content whose single defect is the one its name says, so an
ingest that reports the defect can be checked against it.
"""

import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first ``keep`` fraction of ``data``, as left by an interrupted download."""
    return data[: round(len(data) * keep)]


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk: length, type, payload and the CRC-32 of type and payload."""
    crc = zlib.crc32(kind + payload)
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _ihdr(width: int, height: int) -> bytes:
    # 8-bit RGB, deflate, adaptive filtering, no interlace.
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))


def png_with_bad_header_crc(width: int, height: int) -> bytes:
    """A small PNG whose IHDR chunk carries a wrong CRC, so readers reject it on open."""
    header = bytearray(_ihdr(width, height))
    header[-1] ^= 0xFF
    rows = (b"\x00" + b"\x80" * 3 * width) * height
    body = png_chunk(b"IDAT", zlib.compress(rows, 9)) + png_chunk(b"IEND", b"")
    return PNG_SIGNATURE + bytes(header) + body


def png_with_garbage_data(width: int, height: int, seed: int) -> bytes:
    """A PNG with a valid header whose image data is random bytes (with correct CRCs)."""
    garbage = np.random.default_rng(seed).bytes(3 * width * height // 4)
    return (
        PNG_SIGNATURE + _ihdr(width, height) + png_chunk(b"IDAT", garbage) + png_chunk(b"IEND", b"")
    )


def png_claiming_size(width: int, height: int) -> bytes:
    """A well-formed, tiny PNG whose header claims ``width`` x ``height`` pixels.

    Only the claimed size is wrong: every chunk has a correct CRC and the data is valid
    deflate, so a reader that trusts the header would try to allocate the whole image.
    """
    first_row = b"\x00" + bytes(3 * min(width, 1024))
    return (
        PNG_SIGNATURE
        + _ihdr(width, height)
        + png_chunk(b"IDAT", zlib.compress(first_row, 9))
        + png_chunk(b"IEND", b"")
    )


def mp4_with_garbage_payload(mp4: bytes, seed: int) -> bytes:
    """``mp4`` with its media data replaced by random bytes: the container still opens and
    lists its stream, but no frame decodes."""
    damaged = bytearray(mp4)
    position = 0
    while position + 8 <= len(damaged):
        size, kind = struct.unpack(">I4s", damaged[position : position + 8])
        if size < 8:
            raise ValueError(f"unsupported MP4 box size {size} at offset {position}")
        if kind == b"mdat":
            damaged[position + 8 : position + size] = np.random.default_rng(seed).bytes(size - 8)
            return bytes(damaged)
        position += size
    raise ValueError("no media data box (mdat) in the MP4")
