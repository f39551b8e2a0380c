"""The segments of the lookup service: entries read from the store into arrays and indexes.

A segment holds what one refresh of :class:`vigil.matching.lookup.LookupService` found new:
the entries' ids, banks, imports and categories as arrays, a PDQ index whose ids are
positions in those arrays, and dicts from exact hashes (bytes) to positions. Once built it
is never changed, but for its ``live`` mask, which is replaced (never written in place)
when a bank or import is deleted.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from vigil.banks.staging import visible_entries
from vigil.index.pdq import PdqIndex, codes_from_hex
from vigil.signals.registry import EXACT
from vigil.store.models import BankEntry

_CHUNK = 65536
_NO_IMPORT = 0

#: Where an exact hash is found in a segment: one position, or several.
Positions = int | tuple[int, ...]


@dataclass
class Segment:
    """Entries found by one refresh. Only ``live`` is ever replaced (never written in place)."""

    entry_ids: NDArray[np.int64]
    bank_ids: NDArray[np.int64]
    import_ids: NDArray[np.int64]
    categories: NDArray[np.int32]
    category_names: list[str | None]
    pdq: PdqIndex
    exact: dict[str, dict[bytes, Positions]]
    live: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.entry_ids.size)


class Categories:
    """Category names by number; only ever appended to, so numbers already given stay valid
    for the segments that hold them while a refresh adds more."""

    def __init__(self) -> None:
        self.names: list[str | None] = []
        self._numbers: dict[str | None, int] = {}

    def number(self, name: str | None) -> int:
        found = self._numbers.get(name)
        if found is None:
            found = self._numbers[name] = len(self.names)
            self.names.append(name)
        return found


class SegmentBuilder:
    """Collects rows of bank entries into one segment."""

    def __init__(self, categories: Categories, quality_floor: int) -> None:
        self._categories = categories
        self._floor = quality_floor
        self._ids: list[NDArray[np.int64]] = []
        self._banks: list[NDArray[np.int64]] = []
        self._imports: list[NDArray[np.int64]] = []
        self._cats: list[NDArray[np.int32]] = []
        self._codes: list[NDArray[np.uint8]] = []
        self._positions: list[NDArray[np.int64]] = []
        self.exact: dict[str, dict[bytes, Positions]] = {s.name: {} for s in EXACT}
        self.size = 0

    def _category(self, name: str | None) -> int:
        return self._categories.number(name)

    def add(self, rows: Sequence[Any]) -> None:
        """Take in rows of (id, bank, import, category, quality, pdq, *exact hashes)."""
        start = self.size
        columns = list(zip(*rows, strict=True))
        self._ids.append(np.array(columns[0], dtype=np.int64))
        self._banks.append(np.array(columns[1], dtype=np.int64))
        self._imports.append(np.array([i or _NO_IMPORT for i in columns[2]], dtype=np.int64))
        self._cats.append(np.array([self._category(c) for c in columns[3]], dtype=np.int32))
        qualities, pdqs = columns[4], columns[5]
        floor = self._floor
        usable = [
            n
            for n, pdq in enumerate(pdqs)
            if pdq is not None and (qualities[n] is None or qualities[n] >= floor)
        ]
        if usable:
            self._positions.append(np.array(usable, dtype=np.int64) + start)
            self._codes.append(codes_from_hex([pdqs[n] for n in usable]))
        for signal, hexes in zip(EXACT, columns[6:], strict=True):
            table = self.exact[signal.name]
            for n, value in enumerate(hexes):
                if value:
                    _put(table, bytes.fromhex(value), start + n)
        self.size += len(rows)

    def segment(self) -> Segment | None:
        """The segment of everything added; None when nothing was."""
        if not self.size:
            return None
        pdq = (
            PdqIndex.build(
                np.concatenate(self._codes), np.concatenate(self._positions), sketched=True
            )
            if self._codes
            else PdqIndex(sketched=True)
        )
        return Segment(
            entry_ids=np.concatenate(self._ids),
            bank_ids=np.concatenate(self._banks),
            import_ids=np.concatenate(self._imports),
            categories=np.concatenate(self._cats),
            category_names=self._categories.names,
            pdq=pdq,
            exact=self.exact,
            live=np.ones(self.size, dtype=np.bool_),
        )


def _put(table: dict[bytes, Positions], key: bytes, position: int) -> None:
    seen = table.get(key)
    if seen is None:
        table[key] = position
    elif isinstance(seen, int):
        table[key] = (seen, position)
    else:
        table[key] = (*seen, position)


def positions(found: Positions | None) -> tuple[int, ...]:
    if found is None:
        return ()
    return (found,) if isinstance(found, int) else found


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows stream in.

    Reading millions of rows makes millions of short-lived tuples, each of which counts
    towards the collector's next pass over every live object: the pauses doubled the time a
    build takes (9 s against 4.4 s at a million entries). The rows hold no cycles; they are
    freed as usual, and the collector runs again when the read ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def entry_rows(session: Session, where: ColumnElement[bool]) -> Iterator[Sequence[Any]]:
    """The rows :meth:`SegmentBuilder.add` takes, a chunk at a time, read through Core."""
    exact_columns = [getattr(BankEntry, signal.name) for signal in EXACT]
    query: Select[Any] = select(
        BankEntry.id,
        BankEntry.bank_id,
        BankEntry.import_id,
        BankEntry.category,
        BankEntry.pdq_quality,
        BankEntry.pdq,
        *exact_columns,
    ).where(visible_entries(), where)
    result = session.connection().execute(query.execution_options(yield_per=_CHUNK))
    yield from result.partitions()
