"""Random PDQ hashes with neighbours planted at chosen distances, and the brute-force truth."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


def random_codes(rng: np.random.Generator, count: int) -> NDArray[np.uint8]:
    """``count`` random PDQ hashes, ``(count, 32)``."""
    return rng.integers(0, 256, size=(count, 32), dtype=np.uint8)


def flipped(rng: np.random.Generator, code: NDArray[np.uint8], bits: int) -> NDArray[np.uint8]:
    """``code`` with exactly ``bits`` of its 256 bits flipped, chosen at random."""
    out = code.copy()
    for bit in rng.choice(256, size=bits, replace=False):
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


def brute_force(
    codes: NDArray[np.uint8], ids: Sequence[int], query: NDArray[np.uint8], radius: int
) -> list[tuple[int, int]]:
    """The answer a search must give, from Python integers: smallest distance per id."""
    target = int.from_bytes(query.tobytes(), "big")
    best: dict[int, int] = {}
    for code, found in zip(codes, ids, strict=True):
        distance = (int.from_bytes(code.tobytes(), "big") ^ target).bit_count()
        if distance <= radius and distance < best.get(found, 257):
            best[found] = distance
    return sorted(best.items(), key=lambda match: (match[1], match[0]))


def byte_distances(codes: NDArray[np.uint8], query: NDArray[np.uint8]) -> NDArray[np.int64]:
    """Distance from every stored hash to ``query``, byte by byte (numpy brute force)."""
    return np.bitwise_count(codes ^ query).sum(axis=1, dtype=np.int64)
