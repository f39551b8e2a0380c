"""Exact Hamming-radius search over PDQ hashes, kept up to date as hashes come and go.

The index has two parts:

* a built :class:`~vigil.index.table.ChunkTable` (multi-index hashing: every stored hash
  within 31 bits is found, none is missed), built in one go from arrays;
* a small tail of hashes added since, searched by brute force: at most 8,192 hashes,
  which add at most about 50 microseconds to a lookup. Beyond that, table and tail are
  rebuilt as one table. A rebuild is linear (radix sorts): about 0.6 s at a million
  hashes, 7 s at ten million. Hashes added one at a time thus cost a rebuild every 8,192;
  a large batch costs one rebuild.

Removed hashes of the table are masked out of results until they make up a quarter of it,
when it is rebuilt without them. Radii above 31 are answered by a brute-force scan, which
is just as exact, only slower.

Searches may run from several threads at once; adding and removing must not run alongside
anything else (the caller serialises writes).

A *sketched* index (``PdqIndex(sketched=True)``) builds its table with sketches (see
:mod:`vigil.index.table`): about 265 bytes a hash instead of 85, for searches three times as
fast at a million hashes. The lookup service uses one; matching keeps the smaller one.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from vigil.index.codes import (
    CODE_BITS,
    CODE_BYTES,
    Codes,
    as_words,
    checked_codes,
    checked_ids,
    codes_from_hex,
    query_code,
    scan,
    scan_many,
)
from vigil.index.table import MAX_LOOKUP_RADIUS, ChunkTable
from vigil.signals.registry import PDQ

__all__ = ["DEFAULT_RADIUS", "Found", "PdqIndex", "codes_from_hex"]

#: PDQ's usual match threshold, in bits.
DEFAULT_RADIUS = PDQ.default_threshold
# The tail is merged into the table when it outgrows this: scanning 8,192 hashes takes
# 40-60 microseconds (16,384: 80-100, 32,768: about 200, as it no longer fits in cache).
_TAIL_MAX = 8192
# The table is rebuilt without its removed hashes once they are this share of it.
_REMOVED_SHARE = 4
_INT32 = np.iinfo(np.int32)
_NO_CODES: Codes = np.empty((0, CODE_BYTES), dtype=np.uint8)
_NO_IDS: NDArray[np.int64] = np.empty(0, dtype=np.int64)

Match = tuple[int, int]
_BY_DISTANCE_THEN_ID = operator.itemgetter(1, 0)


class Found(NamedTuple):
    """Hits of many queries as flat arrays, one entry a (query, id)."""

    #: The query's number (its row in the codes asked).
    numbers: NDArray[np.intp]
    ids: NDArray[np.int64]
    #: The smallest distance of an id's hashes to the query, in bits.
    distances: NDArray[np.uint16]


class PdqIndex:
    """Exact Hamming-radius search over 256-bit PDQ hashes, each stored with an integer id.

    An id may be stored with several hashes (a video's frames, a picture hashed twice);
    a search returns each id once, at its smallest distance.
    """

    def __init__(self, sketched: bool = False) -> None:
        #: Whether the table keeps sketches (faster searches, more memory).
        self.sketched = sketched
        self._table: ChunkTable | None = None
        # Ids of the table's rows, in int32 when they all fit (4 bytes a hash, not 8).
        self._table_ids: NDArray[np.int32] | NDArray[np.int64] = np.empty(0, dtype=np.int32)
        # Which table rows were removed; made on the first removal.
        self._removed: NDArray[np.bool_] | None = None
        self._removed_count = 0
        self._tail_codes: Codes = _NO_CODES
        self._tail_ids: NDArray[np.int64] = _NO_IDS

    @classmethod
    def build(
        cls, codes: NDArray[np.uint8], ids: NDArray[np.int64], sketched: bool = False
    ) -> PdqIndex:
        """An index of ``codes`` ``(n, 32)`` (hash bytes, most significant first), ``ids`` ``(n,)``.

        ValueError if the arrays do not have those shapes.
        """
        index = cls(sketched)
        checked = checked_codes(codes)
        index._rebuild(checked, checked_ids(ids, checked.shape[0]))
        return index

    def add(self, codes: NDArray[np.uint8], ids: NDArray[np.int64]) -> None:
        """Store more hashes ``(n, 32)`` with their ids ``(n,)``."""
        checked = checked_codes(codes)
        new_ids = checked_ids(ids, checked.shape[0])
        if not new_ids.size:
            return
        self._tail_codes = np.concatenate([self._tail_codes, checked])
        self._tail_ids = np.concatenate([self._tail_ids, new_ids])
        if self._tail_ids.size > _TAIL_MAX:
            self._merge()

    def remove(self, ids: Iterable[int]) -> int:
        """Forget every hash stored with one of ``ids``; return how many hashes that was.

        Each call reads every stored id (a few milliseconds a million hashes): remove in batches.
        """
        targets = np.fromiter(ids, dtype=np.int64)
        if not targets.size:
            return 0
        removed = 0
        if self._table is not None:
            hit = np.isin(self._table_ids, targets)
            if self._removed is not None:
                hit &= ~self._removed
            count = int(np.count_nonzero(hit))
            if count:
                if self._removed is None:
                    self._removed = np.zeros(len(self._table), dtype=np.bool_)
                self._removed |= hit
                self._removed_count += count
                removed += count
        if self._tail_ids.size:
            keep = ~np.isin(self._tail_ids, targets)
            removed += int(keep.size - np.count_nonzero(keep))
            self._tail_codes = self._tail_codes[keep]
            self._tail_ids = self._tail_ids[keep]
        if self._table is not None and self._removed_count * _REMOVED_SHARE > len(self._table):
            self._merge()
        return removed

    def search(
        self, code: NDArray[np.uint8] | bytes | str, radius: int = DEFAULT_RADIUS
    ) -> list[Match]:
        """Every id stored with a hash within ``radius`` bits of ``code``, with that distance.

        ``code`` is 64 hex digits, 32 bytes or a ``(32,)`` uint8 array. Returns
        ``[(id, distance)]`` sorted by distance, then id. Exact at any radius; up to 31 it is
        answered by lookups, above by a scan of every hash.
        """
        limit = _checked_radius(radius)
        query = as_words(np.ascontiguousarray(query_code(code)).reshape(1, CODE_BYTES))[0]
        ids: list[int] = []
        dists: list[int] = []
        table = self._table
        if table is not None:
            if limit <= MAX_LOOKUP_RADIUS:
                rows, distance = table.search(query, limit)
            else:
                rows, distance = scan(table.words, query, limit)
            if rows.size:
                if self._removed is not None:
                    live = ~self._removed[rows]
                    rows, distance = rows[live], distance[live]
                ids = self._table_ids.take(rows).tolist()
                dists = distance.tolist()
        if self._tail_ids.size:
            rows, distance = scan(as_words(self._tail_codes), query, limit)
            ids += self._tail_ids.take(rows).tolist()
            dists += distance.tolist()
        if not ids:
            return []
        best: dict[int, int] = {}
        for found, distance_bits in zip(ids, dists, strict=True):
            if distance_bits < best.get(found, CODE_BITS + 1):
                best[found] = distance_bits
        return sorted(best.items(), key=_BY_DISTANCE_THEN_ID)

    def search_many(
        self, codes: NDArray[np.uint8], radius: int = DEFAULT_RADIUS
    ) -> list[list[Match]]:
        """:meth:`search` for each row of ``codes`` ``(m, 32)``, vectorised across queries."""
        found = self.search_arrays(codes, radius)
        bounds = np.searchsorted(found.numbers, np.arange(len(codes) + 1)).tolist()
        pairs = list(zip(found.ids.tolist(), found.distances.tolist(), strict=True))
        return [pairs[begin:end] for begin, end in itertools.pairwise(bounds)]

    def search_arrays(self, codes: NDArray[np.uint8], radius: int = DEFAULT_RADIUS) -> Found:
        """:meth:`search_many`'s answer as flat arrays: each query's hits (its number, the id,
        the smallest distance of that id), ordered by query, then distance, then id."""
        limit = _checked_radius(radius)
        queries = as_words(checked_codes(codes))
        parts: list[tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.uint16]]] = []
        table = self._table
        if table is not None and queries.shape[0]:
            if limit <= MAX_LOOKUP_RADIUS:
                numbers, rows, distance = table.search_batch(queries, limit)
            else:
                numbers, rows, distance = scan_many(table.words, queries, limit)
            if self._removed is not None:
                live = ~self._removed[rows]
                numbers, rows, distance = numbers[live], rows[live], distance[live]
            parts.append((numbers, self._table_ids.take(rows).astype(np.int64), distance))
        if self._tail_ids.size and queries.shape[0]:
            numbers, rows, distance = scan_many(as_words(self._tail_codes), queries, limit)
            parts.append((numbers, self._tail_ids.take(rows), distance))
        if not parts:
            return Found(np.empty(0, np.intp), _NO_IDS, np.empty(0, np.uint16))
        numbers = np.concatenate([part[0] for part in parts])
        ids = np.concatenate([part[1] for part in parts])
        distance = np.concatenate([part[2] for part in parts])
        # An id stored with several hashes is kept once, at its smallest distance.
        order = np.lexsort((distance, ids, numbers))
        numbers, ids, distance = numbers[order], ids[order], distance[order]
        first = np.ones(numbers.size, dtype=np.bool_)
        first[1:] = (numbers[1:] != numbers[:-1]) | (ids[1:] != ids[:-1])
        numbers, ids, distance = numbers[first], ids[first], distance[first]
        order = np.lexsort((ids, distance, numbers))
        return Found(numbers[order], ids[order], distance[order])

    def __len__(self) -> int:
        table_size = 0 if self._table is None else len(self._table) - self._removed_count
        return table_size + int(self._tail_ids.size)

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays."""
        total = self._table_ids.nbytes + self._tail_codes.nbytes + self._tail_ids.nbytes
        if self._table is not None:
            total += self._table.nbytes
        if self._removed is not None:
            total += self._removed.nbytes
        return total

    def _merge(self) -> None:
        """Rebuild one table from the live hashes of the table and the tail."""
        codes = [self._tail_codes]
        ids: list[NDArray[np.int64]] = [self._tail_ids]
        if self._table is not None:
            table_codes = self._table.words.view(np.uint8)
            table_ids = self._table_ids.astype(np.int64)
            if self._removed is not None:
                table_codes, table_ids = table_codes[~self._removed], table_ids[~self._removed]
            codes.insert(0, table_codes)
            ids.insert(0, table_ids)
        self._rebuild(np.concatenate(codes), np.concatenate(ids))

    def _rebuild(self, codes: Codes, ids: NDArray[np.int64]) -> None:
        """Make the table from ``codes`` and ``ids`` alone, with an empty tail."""
        self._removed, self._removed_count = None, 0
        self._tail_codes, self._tail_ids = _NO_CODES, _NO_IDS
        if not ids.size:
            self._table, self._table_ids = None, np.empty(0, dtype=np.int32)
            return
        self._table, order = ChunkTable.build(codes, self.sketched)
        stored = ids.take(order)
        fits = stored.min() >= _INT32.min and stored.max() <= _INT32.max
        self._table_ids = stored.astype(np.int32) if fits else stored


def _checked_radius(radius: int) -> int:
    if isinstance(radius, bool) or not isinstance(radius, int | np.integer) or radius < 0:
        raise ValueError(f"radius must be a whole number of bits, 0 or more: {radius!r}")
    return int(radius)
