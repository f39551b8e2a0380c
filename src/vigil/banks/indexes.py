"""The PDQ indexes matching reads: built from the store, then kept in step with it.

One index holds the PDQ of bank entries, one that of pictures, one the frames of videos.
``refresh`` adds whatever rows arrived since the last call (ids only grow), and rebuilds the
bank index when entries were deleted (a bank was deleted), so a long-running process — the
web server — never rebuilds from scratch for a new seizure or a new bank.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from vigil.index.pdq import PdqIndex, codes_from_hex
from vigil.signals import vpdq
from vigil.store.models import BankEntry, Media


def _add(index: PdqIndex, pairs: Iterable[tuple[int, str]]) -> int:
    ids: list[int] = []
    hexes: list[str] = []
    for row_id, hex_digits in pairs:
        ids.append(row_id)
        hexes.append(hex_digits)
    if ids:
        index.add(codes_from_hex(hexes), np.asarray(ids, dtype=np.int64))
    return max(ids, default=0)


class SignalIndexes:
    """PDQ indexes over bank entries, pictures and video frames fit for matching."""

    def __init__(self, quality_threshold: int) -> None:
        self.quality_threshold = quality_threshold
        self.banks = PdqIndex()
        self.pictures = PdqIndex()
        self.frames = PdqIndex()
        self._last_entry = 0
        self._entries = 0
        self._last_media = 0

    def _usable_entry(self) -> ColumnElement[bool]:
        fit = BankEntry.pdq_quality.is_(None) | (BankEntry.pdq_quality >= self.quality_threshold)
        return BankEntry.pdq.is_not(None) & fit

    def refresh(self, session: Session) -> None:
        """Take in what the store gained (or lost) since the last refresh."""
        still_there = session.scalar(
            select(func.count(BankEntry.id)).where(
                self._usable_entry(), BankEntry.id <= self._last_entry
            )
        )
        if still_there != self._entries:
            self.banks, self._last_entry, self._entries = PdqIndex(), 0, 0
        new_entries = list(
            session.execute(
                select(BankEntry.id, BankEntry.pdq)
                .where(self._usable_entry(), BankEntry.id > self._last_entry)
                .order_by(BankEntry.id)
            )
        )
        self._last_entry = max(self._last_entry, _add(self.banks, new_entries))  # type: ignore[arg-type]
        self._entries += len(new_entries)
        # Bounded above, so that media stored while this runs wait for the next refresh.
        newest = session.scalar(select(func.max(Media.id))) or 0
        arrived = (Media.id > self._last_media) & (Media.id <= newest)
        pictures = session.execute(
            select(Media.id, Media.pdq).where(
                arrived,
                Media.pdq.is_not(None),
                Media.pdq_quality >= self.quality_threshold,
            )
        )
        _add(self.pictures, pictures)  # type: ignore[arg-type]
        videos = session.execute(select(Media.id, Media.vpdq).where(arrived, Media.kind == "video"))
        frames = [
            (media_id, frame.pdq_hex)
            for media_id, value in videos
            for frame in vpdq.from_json(value or [])
            if frame.quality >= self.quality_threshold
        ]
        _add(self.frames, frames)
        self._last_media = max(self._last_media, newest)
