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
* one table of 65,537 bucket starts per chunk (4 MiB in all), as positions in those lists;
* optionally (``sketched``), beside each entry of those lists, six other chunks of its hash
  (96 bits, 180 more bytes a hash): a candidate is then checked first in the list it was
  found in, and almost never read from the hashes. Searches get three times as fast at a
  million hashes and eight times at ten million; the lookup service, which answers
  partners' requests one after the other, takes that trade.

Lookups run in C (``_probe.c``): one pass over a query's buckets and candidates, with no
temporary arrays; a large batch sorts its candidates by where they lie before checking them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigil.index import _probe
from vigil.index.codes import CODE_WORDS, Codes, Words, as_words

#: Chunks the hash is cut into, and values a chunk can take.
CHUNKS = 16
CHUNK_KEYS = 1 << 16
#: The largest radius the table answers by lookups; larger ones need a full scan.
MAX_LOOKUP_RADIUS = 2 * CHUNKS - 1
#: Chunks of its hash a sketched table keeps beside each list entry (as _probe.c expects).
SKETCH_CHUNKS = 6
Rows = NDArray[np.intp]
Distances = NDArray[np.uint16]


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
    #: For a sketched table, ``(15 * n, 6)``: the chunks c+1..c+6 (mod 16) of the hash of
    #: each entry of ``low``, c being the chunk of its list; None otherwise.
    sketch: NDArray[np.uint16] | None = None

    @classmethod
    def build(cls, codes: Codes, sketched: bool = False) -> tuple[ChunkTable, NDArray[np.intp]]:
        """Index C-contiguous ``(n, 32)`` codes (with sketches if ``sketched``); also return
        the order they were stored in.

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
        sketch = None
        if sketched:
            sketch = np.empty(((CHUNKS - 1) * count, SKETCH_CHUNKS), dtype=np.uint16)
            _probe.fill_sketch(words, low, high, sketch)
        return cls(words=words, starts=starts, low=low, high=high, sketch=sketch), order

    def __len__(self) -> int:
        return int(self.words.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the table's arrays."""
        extra = sum(part.nbytes for part in (self.high, self.sketch) if part is not None)
        return self.words.nbytes + self.starts.nbytes + self.low.nbytes + extra

    def search(self, query: Words, radius: int) -> tuple[Rows, Distances]:
        """Rows within ``radius`` (at most 31) of one ``query`` ``(4,)``, and their distances.

        Each row once, though a near one is found through several chunks.
        """
        _, rows, distances = self.search_batch(query.reshape(1, CODE_WORDS), radius)
        return rows, distances

    def search_batch(self, queries: Words, radius: int) -> tuple[NDArray[np.intp], Rows, Distances]:
        """Like :meth:`search` for ``(m, 4)`` queries: query numbers, rows, distances.

        Sorted by query number, then row.
        """
        # In C (see _probe.c for why not numpy).
        found_numbers, found_rows, found_distances = _probe.search(
            self.words,
            self.starts,
            self.low,
            self.high,
            self.sketch,
            np.ascontiguousarray(queries),
            radius,
        )
        numbers = np.frombuffer(found_numbers, dtype=np.intp)
        rows = np.frombuffer(found_rows, dtype=np.intp)
        distances = np.frombuffer(found_distances, dtype=np.uint16)
        # A hash within 31 bits is found through up to 16 chunks: keep it once (one sort of
        # the hits, which are few; folding the repeats in Python cost more than the search).
        _, first = np.unique(numbers * len(self) + rows, return_index=True)
        return numbers[first], rows[first], distances[first]
