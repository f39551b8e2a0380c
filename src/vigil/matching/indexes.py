"""The PDQ indexes matching reads: built from the store, then kept in step with it.

One index holds the PDQ of bank entries, one that of pictures, one the frames of videos.
``refresh`` adds whatever rows arrived since the last call (ids only grow), and rebuilds the
bank index when the entries it holds changed otherwise: a bank was deleted, or an import
that began before the newest entry was written completed (imports are staged, and their
entries seen only once complete). So a long-running process — the web server — never
rebuilds from scratch for a new seizure or a new bank.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from vigil.banks.staging import visible_entries
from vigil.index.pdq import PdqIndex, codes_from_hex
from vigil.signals import vpdq
from vigil.store.models import BankEntry, Media

_CHUNK = 65536


def _stream(session: Session, query: Select[int, str | None]) -> Iterator[Sequence[Any]]:
    """The ``(id, hex)`` rows of ``query`` a chunk at a time, read through Core (no ORM)."""
    result = session.connection().execute(query.execution_options(yield_per=_CHUNK))
    yield from result.partitions()


def _add(index: PdqIndex, chunks: Iterable[Sequence[Any]]) -> tuple[int, int, int]:
    """Add chunks of ``(id, hex)`` rows to the index; returns (how many, largest id, id sum).

    Rows become arrays a chunk at a time, so that millions of hashes never exist as Python
    strings all at once (40 bytes a hash in arrays, ~200 as strings and tuples).
    """
    codes: list[NDArray[np.uint8]] = []
    ids: list[NDArray[np.int64]] = []
    for chunk in chunks:
        if not chunk:
            continue
        codes.append(codes_from_hex([row[1] for row in chunk]))
        ids.append(np.fromiter((row[0] for row in chunk), np.int64, len(chunk)))
    if not ids:
        return 0, 0, 0
    all_ids = np.concatenate(ids)
    index.add(np.concatenate(codes), all_ids)
    return len(all_ids), int(all_ids.max()), int(all_ids.sum())


class SignalIndexes:
    """PDQ indexes over bank entries, pictures and video frames fit for matching."""

    def __init__(self, quality_threshold: int) -> None:
        self.quality_threshold = quality_threshold
        self.banks = PdqIndex()
        self.pictures = PdqIndex()
        self.frames = PdqIndex()
        self._last_entry = 0
        # How many entries the bank index holds, and the sum of their ids: what it should
        # still hold when nothing at or below _last_entry changed.
        self._entries = (0, 0)
        self._last_media = 0

    def _usable_entry(self) -> ColumnElement[bool]:
        fit = BankEntry.pdq_quality.is_(None) | (BankEntry.pdq_quality >= self.quality_threshold)
        return BankEntry.pdq.is_not(None) & fit & visible_entries()

    def refresh(self, session: Session) -> None:
        """Take in what the store gained (or lost) since the last refresh."""
        still_there = session.execute(
            select(func.count(BankEntry.id), func.coalesce(func.sum(BankEntry.id), 0)).where(
                self._usable_entry(), BankEntry.id <= self._last_entry
            )
        ).one()
        if (still_there[0], still_there[1]) != self._entries:
            self.banks, self._last_entry, self._entries = PdqIndex(), 0, (0, 0)
        new_entries = select(BankEntry.id, BankEntry.pdq).where(
            self._usable_entry(), BankEntry.id > self._last_entry
        )
        added, last, id_sum = _add(self.banks, _stream(session, new_entries))
        self._last_entry = max(self._last_entry, last)
        self._entries = (self._entries[0] + added, self._entries[1] + id_sum)
        # Bounded above, so that media stored while this runs wait for the next refresh.
        newest = session.scalar(select(func.max(Media.id))) or 0
        arrived = (Media.id > self._last_media) & (Media.id <= newest)
        pictures = select(Media.id, Media.pdq).where(
            arrived, Media.pdq.is_not(None), Media.pdq_quality >= self.quality_threshold
        )
        _add(self.pictures, _stream(session, pictures))
        videos = session.execute(select(Media.id, Media.vpdq).where(arrived, Media.kind == "video"))
        frames = [
            (media_id, frame.pdq_hex)
            for media_id, value in videos
            for frame in vpdq.from_json(value or [])
            if frame.quality >= self.quality_threshold
        ]
        _add(self.frames, [frames])
        self._last_media = max(self._last_media, newest)
