"""Whether a video file holds every byte its container's own structure declares.

A video cut short (a partial download, a copy stopped midway, a recovered fragment) can still
open and decode up to its last frames, or even to the end when only an index is lost: the
frames look complete. The container's structure says otherwise. Its top-level units declare
their lengths: ISO-BMFF boxes (MP4, MOV, 3GP), RIFF chunks (AVI) and the Matroska / WebM
segment. A file that ends before the last of them does is truncated, whatever the decoder
made of what remains.

Only those lengths are read (a few small reads); a structure that cannot be followed gives
no verdict rather than a guess, since damage other than truncation is the decoder's to find.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from pathlib import Path

from vigil.media.sniff import read_ebml_id, read_ebml_size

# A hostile file can hold millions of tiny boxes: stop following them after this many.
_MAX_UNITS = 100_000
_SEGMENT_ID = 0x18538067
_RIFF_FORMS = (b"AVI ", b"AVIX")


def truncation(path: Path) -> str | None:
    """Why the file at ``path`` is shorter than its container declares, or None.

    None also when the container is not one this module follows or its structure cannot be
    followed. Never raises: an unreadable file gives None (opening it fails elsewhere).
    """
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size

            def read(offset: int, count: int) -> bytes:
                handle.seek(offset)
                return handle.read(count)

            head = read(0, 16)
            check = _checker(head)
            return None if check is None else check(read, size)
    except OSError:
        return None


Reader = Callable[[int, int], bytes]


def _checker(head: bytes) -> Callable[[Reader, int], str | None] | None:
    if head.startswith(b"RIFF") and head[8:12] in _RIFF_FORMS:
        return _riff
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _matroska
    if len(head) >= 8 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip"):
        return _isobmff
    return None


def _short(unit: str, end: int, size: int) -> str:
    return (
        f"the file is truncated: it ends at byte {size:,}, {end - size:,} bytes before the "
        f"end of its {unit}"
    )


def _isobmff(read: Reader, size: int) -> str | None:
    position = 0
    for _ in range(_MAX_UNITS):
        if position >= size:
            return None
        header = read(position, 16)
        if len(header) < 8:
            return _short("last box's header", position + 8, size)
        box_size, box_type = struct.unpack_from(">I4s", header)
        if not all(0x20 <= byte < 0x7F for byte in box_type):
            return None  # not a box: trailing data this module cannot judge
        if box_size == 0:
            return None  # "runs to the end of the file"
        if box_size == 1:
            if len(header) < 16:
                return _short(f"'{box_type.decode()}' box header", position + 16, size)
            (box_size,) = struct.unpack_from(">Q", header, 8)
        if box_size < 8:
            return None
        if position + box_size > size:
            return _short(f"'{box_type.decode()}' box", position + box_size, size)
        position += box_size
    return None


def _riff(read: Reader, size: int) -> str | None:
    # An AVI is one RIFF chunk, followed by more ("AVIX") in files over 1 GB (OpenDML).
    position = 0
    for _ in range(_MAX_UNITS):
        if position >= size:
            return None
        header = read(position, 12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] not in _RIFF_FORMS:
            return None
        (chunk_size,) = struct.unpack_from("<I", header, 4)
        if chunk_size == 0:
            return None  # a writer that never came back to fill in the size
        end = position + 8 + chunk_size
        if end > size:
            return _short(f"'{header[8:12].decode().strip()}' RIFF chunk", end, size)
        position = end + (chunk_size & 1)  # chunks are padded to an even length
    return None


def _matroska(read: Reader, size: int) -> str | None:
    position = 0
    for _ in range(_MAX_UNITS):
        if position >= size:
            return None
        header = read(position, 12)
        element = read_ebml_id(header, 0)
        if element is None:
            return None
        element_id, at = element
        length = read_ebml_size(header, at)
        if length is None:
            return None
        body_size, body = length
        if body_size == (1 << (7 * (body - at))) - 1:
            # "Unknown size", as live recorders write: follow the segment's own elements,
            # up to one (a cluster) that has no size either.
            if element_id != _SEGMENT_ID:
                return None
            position += body
            continue
        end = position + body + body_size
        if end > size:
            unit = "Matroska segment" if element_id == _SEGMENT_ID else "Matroska element"
            return _short(unit, end, size)
        position = end
    return None
