"""PDQ hashes as arrays: parsing hex, checking shapes, and exact Hamming distances.

A PDQ hash is held as 32 bytes, most significant first (``bytes.fromhex(hex)``). For
distances the same bytes are read as four 64-bit words: the popcount of an XOR does not
depend on how the bits are grouped, so no byte swapping is ever needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from vigil.signals.registry import PDQ

#: Hex digits in one PDQ hash.
HEX_DIGITS = PDQ.hex_digits
#: Bytes in one PDQ hash.
CODE_BYTES = HEX_DIGITS // 2
#: 64-bit words in one PDQ hash.
CODE_WORDS = CODE_BYTES // 8
#: Bits in one PDQ hash: the largest possible distance.
CODE_BITS = 8 * CODE_BYTES
# Rows compared per step of a brute-force scan: its temporary arrays (about 50 bytes a row)
# then stay in the CPU's cache, and numpy's per-call cost is still small.
_SCAN_BLOCK = 1 << 13

Codes = NDArray[np.uint8]
Words = NDArray[np.uint64]


def codes_from_hex(hexes: Sequence[str]) -> Codes:
    """Parse PDQ hashes written as 64 hex digits into an ``(n, 32)`` array of bytes.

    Upper and lower case are accepted; nothing else (no spaces, no ``0x``). Raises
    ValueError naming the first bad value and its position.
    """
    count = len(hexes)
    if count == 0:
        return np.empty((0, CODE_BYTES), dtype=np.uint8)
    # One join and one C-level parse for the whole list; a value only gets looked at on its
    # own when the whole does not parse to exactly 32 bytes a hash.
    raw: bytes | None
    try:
        raw = bytes.fromhex("".join(hexes))
    except (TypeError, ValueError):
        raw = None
    # bytes.fromhex skips whitespace, and a short value next to a long one still adds up:
    # hence the check of every length too.
    if raw is None or len(raw) != count * CODE_BYTES or set(map(len, hexes)) != {HEX_DIGITS}:
        _raise_first_bad(hexes)
    # A writable copy, so callers may treat it as any other array.
    return np.frombuffer(bytearray(raw), dtype=np.uint8).reshape(count, CODE_BYTES)


def _raise_first_bad(hexes: Sequence[str]) -> NoReturn:
    for position, value in enumerate(hexes):
        if not _is_hex_code(value):
            raise ValueError(
                f"not {PDQ.noun} ({HEX_DIGITS} hex digits) at position {position}: {value!r}"
            )
    raise ValueError(f"not PDQ hashes ({HEX_DIGITS} hex digits each)")  # unreachable


def _is_hex_code(value: object) -> bool:
    if not isinstance(value, str) or len(value) != HEX_DIGITS or not value.isascii():
        return False
    try:
        return len(bytes.fromhex(value)) == CODE_BYTES
    except ValueError:
        return False


def query_code(code: Codes | bytes | str) -> Codes:
    """One PDQ hash given as 64 hex digits, 32 bytes or a 32-byte array, as a ``(32,)`` array."""
    if isinstance(code, str):
        parsed: Codes = codes_from_hex([code])[0]
        return parsed
    if isinstance(code, bytes | bytearray | memoryview):
        data = bytes(code)
        if len(data) != CODE_BYTES:
            raise ValueError(f"a PDQ hash is {CODE_BYTES} bytes, got {len(data)}")
        return np.frombuffer(data, dtype=np.uint8)
    array = np.asarray(code)
    if array.dtype != np.uint8 or array.shape != (CODE_BYTES,):
        raise ValueError(
            f"a PDQ hash array must be uint8 of shape ({CODE_BYTES},), "
            f"got {array.dtype} {array.shape}"
        )
    return array


def checked_codes(codes: Codes) -> Codes:
    """``codes`` as a C-contiguous ``(n, 32)`` uint8 array; ValueError if it is not one."""
    array = np.asarray(codes)
    if array.dtype != np.uint8 or array.ndim != 2 or array.shape[1] != CODE_BYTES:
        raise ValueError(
            f"PDQ codes must be a uint8 array of shape (n, {CODE_BYTES}), "
            f"got {array.dtype} {array.shape}"
        )
    return np.ascontiguousarray(array)


def checked_ids(ids: NDArray[np.int64], count: int) -> NDArray[np.int64]:
    """``ids`` as a 1-D int64 array of ``count`` values; ValueError otherwise."""
    array = np.asarray(ids)
    if array.ndim != 1 or array.shape[0] != count:
        raise ValueError(f"expected {count} ids (one per code), got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"ids must be integers, got {array.dtype}")
    return array.astype(np.int64, copy=False)


def as_words(codes: Codes) -> Words:
    """View C-contiguous ``(n, 32)`` bytes as ``(n, 4)`` 64-bit words (no copy)."""
    return codes.view(np.uint64)


def distances_to(words: Words, query: Words) -> NDArray[np.uint16]:
    """Hamming distance from each row of ``words`` ``(m, 4)`` to one ``query`` ``(4,)``."""
    # Word-major layout: every ufunc then runs one long inner loop per word instead of m
    # tiny ones, several times faster on the few thousand rows a lookup verifies.
    xor = np.empty((CODE_WORDS, words.shape[0]), dtype=np.uint64)
    np.bitwise_xor(words.T, query[:, None], out=xor)
    distance: NDArray[np.uint16] = np.bitwise_count(xor).sum(axis=0, dtype=np.uint16)
    return distance


def scan(words: Words, query: Words, radius: int) -> tuple[NDArray[np.intp], NDArray[np.uint16]]:
    """Brute force: the rows of ``words`` within ``radius`` of ``query``, and their distances."""
    rows: list[NDArray[np.intp]] = []
    dists: list[NDArray[np.uint16]] = []
    for start in range(0, words.shape[0], _SCAN_BLOCK):
        distance = distances_to(words[start : start + _SCAN_BLOCK], query)
        (hit,) = np.nonzero(distance <= radius)
        rows.append(hit + start)
        dists.append(distance[hit])
    if not rows:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.uint16)
    return np.concatenate(rows), np.concatenate(dists)


def scan_many(
    words: Words, queries: Words, radius: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.uint16]]:
    """Brute force for ``(m, 4)`` queries: query numbers, rows and distances of the hits."""
    numbers: list[NDArray[np.intp]] = []
    rows: list[NDArray[np.intp]] = []
    dists: list[NDArray[np.uint16]] = []
    # Several queries a step while ``words`` is small (an index's tail), one when it is large.
    step = max(1, _SCAN_BLOCK // max(1, words.shape[0]))
    for first in range(0, queries.shape[0], step):
        group = queries[first : first + step]
        if group.shape[0] == 1:
            hit_rows, distance = scan(words, group[0], radius)
            hit_numbers = np.full(hit_rows.size, first, dtype=np.intp)
        else:
            xor = np.empty((CODE_WORDS, group.shape[0], words.shape[0]), dtype=np.uint64)
            np.bitwise_xor(group.T[:, :, None], words.T[:, None, :], out=xor)
            all_distances = np.bitwise_count(xor).sum(axis=0, dtype=np.uint16)
            hit_numbers, hit_rows = np.nonzero(all_distances <= radius)
            distance = all_distances[hit_numbers, hit_rows]
            hit_numbers = hit_numbers + first
        numbers.append(hit_numbers)
        rows.append(hit_rows)
        dists.append(distance)
    if not numbers:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0, dtype=np.uint16)
    return np.concatenate(numbers), np.concatenate(rows), np.concatenate(dists)
