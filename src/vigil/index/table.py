"""The built part of the PDQ index: multi-index hashing over 16 chunks of 16 bits.

Why it is exact. Cut the 256 bits into 16 chunks of 16. If two hashes are at most 31 bits
apart, they cannot differ in two or more bits on every chunk (that would be 32 bits), so on
at least one chunk they differ in at most one bit. Looking up, in every chunk, the query's
own 16-bit value and its 16 one-bit neighbours (16 x 17 = 272 buckets) therefore finds every
stored hash within 31 bits; each candidate is then checked on all 256 bits. At radius 15 or
less some chunk must agree exactly, and the 16 exact buckets suffice.

Layout, chosen to stay under 100 bytes a hash at a million hashes:

* the hashes, 32 bytes each, stored in the order of their chunk-0 value, so chunk 0's
  buckets are runs of hash rows and need no list of their own;
* for chunks 1-15, the row numbers sorted by that chunk's value; a row number is split
  into its low 16 bits and the rest, kept in one byte while there are at most 2**24
  hashes (45 bytes a hash instead of 60, for about 5 microseconds a lookup);
* one table of 65,537 bucket starts per chunk (4 MiB in all), as positions in those lists.

Lookups are vectorised: all 272 buckets of a query, or of a batch of queries, are read
with a handful of numpy calls, with no Python loop over buckets or candidates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigil.index.codes import CODE_WORDS, Codes, Words, as_words, distances_to

#: Chunks the hash is cut into, and values a chunk can take.
CHUNKS = 16
CHUNK_KEYS = 1 << 16
#: The largest radius the table answers by lookups; larger ones need a full scan.
MAX_LOOKUP_RADIUS = 2 * CHUNKS - 1
# Bit masks XORed onto a chunk value: itself only, or itself and its 16 one-bit neighbours.
_EXACT = np.zeros(1, dtype=np.uint16)
_ONE_BIT = np.array([0, *(1 << bit for bit in range(16))], dtype=np.uint16)
# Where each chunk's bucket starts begin in the flat table.
_CHUNK_SLOT = (np.arange(CHUNKS, dtype=np.intp) * (CHUNK_KEYS + 1))[:, None]
# Batched lookups verify about this many candidates at a time: enough queries to spread
# numpy's per-call cost, few enough that the temporary arrays stay in cache (measured best
# between 2**15 and 2**16 at a million hashes; 2**19 was half as fast).
_BATCH_CANDIDATES = 1 << 16

Rows = NDArray[np.intp]
Distances = NDArray[np.uint16]


def _masks(radius: int) -> NDArray[np.uint16]:
    return _EXACT if radius < CHUNKS else _ONE_BIT


@dataclass(frozen=True, eq=False)
class ChunkTable:
    """Hashes indexed for radius lookups up to ``MAX_LOOKUP_RADIUS``; immutable once built."""

    #: The hashes as (n, 4) 64-bit words, in the order of their chunk-0 value.
    words: Words
    #: Bucket starts: chunk c, value v at ``c * 65537 + v``; chunk 0's are hash rows,
    #: the others' positions in ``low``/``high``.
    starts: NDArray[np.uint32] | NDArray[np.int64]
    #: Low 16 bits of the row numbers of chunks 1-15, one run of n per chunk.
    low: NDArray[np.uint16]
    #: The rest of those row numbers; None while every row number fits in 16 bits.
    high: NDArray[np.uint8] | NDArray[np.uint16] | None

    @classmethod
    def build(cls, codes: Codes) -> tuple[ChunkTable, NDArray[np.intp]]:
        """Index C-contiguous ``(n, 32)`` codes; also return the order they were stored in.

        Row ``i`` of the table is ``codes[order[i]]``: reorder anything kept per hash alike.
        """
        count = codes.shape[0]
        if count >= 1 << 32:
            raise ValueError(f"too many PDQ hashes for one index: {count}")
        # Stable radix sorts (numpy's for 16-bit keys): linear time, and rows of a bucket
        # stay in ascending order, which keeps lookups' reads of hash rows ordered.
        order = np.argsort(codes.view(np.uint16)[:, 0], kind="stable")
        words = as_words(codes[order])
        keys = words.view(np.uint16)
        positions = (CHUNKS - 1) * count + 1
        starts: NDArray[np.uint32] | NDArray[np.int64]
        if positions < 1 << 32:
            starts = np.empty(CHUNKS * (CHUNK_KEYS + 1), dtype=np.uint32)
        else:
            starts = np.empty(CHUNKS * (CHUNK_KEYS + 1), dtype=np.int64)
        low = np.empty((CHUNKS - 1) * count, dtype=np.uint16)
        high: NDArray[np.uint8] | NDArray[np.uint16] | None = None
        if count > 1 << 24:
            high = np.empty((CHUNKS - 1) * count, dtype=np.uint16)
        elif count > 1 << 16:
            high = np.empty((CHUNKS - 1) * count, dtype=np.uint8)
        for chunk in range(CHUNKS):
            column = keys[:, chunk]
            base = 0 if chunk == 0 else (chunk - 1) * count
            first = chunk * (CHUNK_KEYS + 1)
            starts[first] = base
            counts = np.bincount(column, minlength=CHUNK_KEYS)
            starts[first + 1 : first + CHUNK_KEYS + 1] = np.cumsum(counts) + base
            if chunk == 0:
                continue
            rows = np.argsort(column, kind="stable")
            low[base : base + count] = rows.astype(np.uint16)
            if high is not None:
                high[base : base + count] = (rows >> 16).astype(high.dtype)
        return cls(words=words, starts=starts, low=low, high=high), order

    def __len__(self) -> int:
        return int(self.words.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the table's arrays."""
        extra = 0 if self.high is None else self.high.nbytes
        return self.words.nbytes + self.starts.nbytes + self.low.nbytes + extra

    def search(self, query: Words, radius: int) -> tuple[Rows, Distances]:
        """Rows within ``radius`` (at most 31) of one ``query`` ``(4,)``, and their distances.

        A row may appear more than once (found through several chunks).
        """
        masks = _masks(radius)
        slots = (query.view(np.uint16)[:, None] ^ masks) + _CHUNK_SLOT
        rows = self._candidates(slots.ravel(), masks.size)
        distance = distances_to(self.words.take(rows, axis=0), query)
        hit = distance <= radius
        return rows[hit], distance[hit]

    def search_batch(self, queries: Words, radius: int) -> tuple[NDArray[np.intp], Rows, Distances]:
        """Like :meth:`search` for ``(m, 4)`` queries: query numbers, rows, distances."""
        masks = _masks(radius)
        # Expected candidates a query, from the mean bucket size.
        per_query = CHUNKS * masks.size * len(self) // CHUNK_KEYS + 1
        step = _BATCH_CANDIDATES // per_query
        found: list[tuple[NDArray[np.intp], Rows, Distances]] = []
        if step < 2:  # large tables: a query alone fills a step
            for number, query in enumerate(queries):
                rows, dists = self.search(query, radius)
                found.append((np.full(rows.size, number, dtype=np.intp), rows, dists))
        else:
            for first in range(0, queries.shape[0], step):
                group = queries[first : first + step]
                numbers, rows, dists = self._search_group(group, masks, radius)
                found.append((numbers + first, rows, dists))
        if not found:
            return _EMPTY_ROWS, _EMPTY_ROWS, _EMPTY_DISTANCES
        numbers, rows, dists = (np.concatenate(parts) for parts in zip(*found, strict=True))
        return numbers, rows, dists

    def _search_group(
        self, queries: Words, masks: NDArray[np.uint16], radius: int
    ) -> tuple[NDArray[np.intp], Rows, Distances]:
        group = queries.shape[0]
        keys = queries.view(np.uint16)  # (group, 16)
        # Buckets ordered chunk first, then query, then mask, so that chunk 0's come first.
        slots = (keys.T[:, :, None] ^ masks) + _CHUNK_SLOT[:, :, None]
        bucket_query = np.tile(np.repeat(np.arange(group, dtype=np.intp), masks.size), CHUNKS)
        rows, lengths = self._candidates_with_lengths(slots.ravel(), group * masks.size)
        numbers = np.repeat(bucket_query, lengths)
        xor = self.words.take(rows, axis=0)
        xor ^= queries.take(numbers, axis=0)
        bits = np.bitwise_count(xor)
        distance = bits[:, 0].astype(np.uint16)
        for word in range(1, CODE_WORDS):
            distance += bits[:, word]
        hit = distance <= radius
        return numbers[hit], rows[hit], distance[hit]

    def _candidates(self, slots: NDArray[np.intp], chunk0_buckets: int) -> Rows:
        return self._candidates_with_lengths(slots, chunk0_buckets)[0]

    def _candidates_with_lengths(
        self, slots: NDArray[np.intp], chunk0_buckets: int
    ) -> tuple[Rows, NDArray[np.intp]]:
        """Rows in the buckets at ``slots`` (chunk 0's first), and each bucket's size."""
        begin = self.starts.take(slots).astype(np.intp)
        lengths = self.starts.take(slots + 1).astype(np.intp) - begin
        # Read the first entry of every bucket up front: these reads are independent, so the
        # CPU overlaps their cache misses, which the long read below would take one by one
        # (15% faster lookups at a million hashes).
        # (An empty last bucket starts one past the end: hence the clip.)
        self.low.take(begin[chunk0_buckets:], mode="clip")
        if self.high is not None:
            self.high.take(begin[chunk0_buckets:], mode="clip")
        ends = np.cumsum(lengths)
        # Position of every candidate: its bucket's start plus its rank in the bucket.
        positions = np.repeat(begin - (ends - lengths), lengths)
        positions += np.arange(positions.size, dtype=np.intp)
        in_chunk0 = int(ends[chunk0_buckets - 1])
        later = positions[in_chunk0:]
        rows = np.empty(positions.size, dtype=np.intp)
        rows[:in_chunk0] = positions[:in_chunk0]
        rows[in_chunk0:] = self.low.take(later)
        if self.high is not None:
            rows[in_chunk0:] |= self.high.take(later).astype(np.intp) << 16
        return rows, lengths


_EMPTY_ROWS: Rows = np.empty(0, dtype=np.intp)
_EMPTY_DISTANCES: Distances = np.empty(0, dtype=np.uint16)
