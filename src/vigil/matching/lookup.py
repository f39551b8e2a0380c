"""The lookup service: "is this hash known?" answered from memory, across every bank.

A partner (or a member) sends PDQ, MD5, SHA-1 or SHA-256 values and learns, for each, match
or no match; for a match only what it may see of the bank entry: the bank's name, the
entry's category and a reference to report against, and the distance for PDQ. Never the
entry's hashes, series or metadata, and nothing at all of banks the policy hides from it.

The entries are held in *segments*, each what one refresh found new: arrays of entry id,
bank, import and category, a PDQ index (whose ids are positions in the arrays) and dicts of
the exact hashes. A segment is never changed once published; an added import is a new
segment, a deleted bank or import clears bits of a segment's ``live`` mask (a new array in
place of the old). So searches need no lock, a new import answers as soon as its segment is
built (no rebuild of what was there), and only many segments or many dead entries cost a
full rebuild (counted in ``rebuilds``).

Only entries of complete imports count (``banks.staging.visible_entries``). Which banks a
viewer may see is the policy's answer, kept per agency until the banks or their sharing
change.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from vigil.banks.staging import Sessions, visible_entries
from vigil.index.pdq import codes_from_hex
from vigil.matching.lookup_segments import (
    Categories,
    Positions,
    Segment,
    SegmentBuilder,
    collector_paused,
    entry_rows,
    positions,
)
from vigil.sharing import policy
from vigil.sharing.policy import Permission, Viewer
from vigil.signals.base import SignalType
from vigil.signals.registry import EXACT, PDQ
from vigil.store.models import Bank, BankEntry, BankImport, ImportStatus, RecordType, ShareGrant

#: The most values one request may ask about.
MAX_BATCH = 10_000
#: The signal types the service answers for: PDQ and the exact hashes.
LOOKUP_SIGNALS: tuple[SignalType[Any], ...] = (PDQ, *EXACT)
_BY_NAME = {signal.name: signal for signal in LOOKUP_SIGNALS}
# More segments than this, or this share of dead entries, and the next refresh rebuilds.
_MAX_SEGMENTS = 32
_DEAD_SHARE = 4


# A segment's hits: the asked value's number, the position in the segment, the distance.
Hits = tuple[
    Sequence[int] | NDArray[np.intp],
    Sequence[int] | NDArray[np.int64],
    Sequence[int] | NDArray[np.uint16],
]


class LookupInputError(ValueError):
    """A lookup request is refused; the message names the value or limit at fault."""


@dataclass(frozen=True, slots=True)
class KnownMatch:
    """A bank entry the value matched, as much of it as the asker may see."""

    bank: str
    entry_id: int
    category: str | None
    distance: int

    @property
    def reference(self) -> str:
        """What to report against: stable, and naming nothing but the entry's number."""
        return f"vigil:entry:{self.entry_id}"


def _nearest(match: KnownMatch) -> tuple[int, int]:
    """Nearest first; at one distance, the oldest entry."""
    return (match.distance, match.entry_id)


@dataclass(frozen=True, slots=True)
class LookupAnswer:
    """One asked value (canonical form) and the visible entries it matched, nearest first."""

    value: str
    matches: tuple[KnownMatch, ...]

    @property
    def matched(self) -> bool:
        """Whether any visible entry matched."""
        return bool(self.matches)


@dataclass(frozen=True)
class RefreshOutcome:
    """What a refresh did: entries taken in and dropped, and whether it rebuilt everything."""

    added: int = 0
    dropped: int = 0
    rebuilt: bool = False


def lookup_signal(name: str) -> SignalType[Any]:
    """The signal type ``name`` if the service answers for it; LookupInputError otherwise."""
    try:
        return _BY_NAME[name.strip().lower()]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise LookupInputError(f"signal_type: {name!r} is not one of {known}") from None


def parse_values(signal: SignalType[Any], values: Sequence[object]) -> list[str]:
    """``values`` in canonical form; LookupInputError naming the first bad one or the limit."""
    if not values:
        raise LookupInputError("hashes: give at least one value")
    if len(values) > MAX_BATCH:
        raise LookupInputError(
            f"hashes: at most {MAX_BATCH:,} values a request, got {len(values):,}"
        )
    digits = signal.hex_digits
    checked = _all_hex(values, digits) if digits else None
    if checked is not None:
        return checked
    parsed: list[str] = []
    for number, value in enumerate(values):
        try:
            parsed.append(str(signal.parse(value)))
        except ValueError as exc:
            raise LookupInputError(f"hashes[{number}]: {exc}") from None
    return parsed


def _all_hex(values: Sequence[object], digits: int) -> list[str] | None:
    """``values`` as the signal's parse gives them (stripped, lower case) when every one is
    ``digits`` hex digits; None otherwise, and the values are then parsed one by one for the
    message. One check of the whole batch: a value at a time took 4 microseconds, a tenth of
    a batch lookup."""
    try:
        texts = [value.strip().lower() for value in values]  # type: ignore[attr-defined]
        if set(map(len, texts)) != {digits}:
            return None
        # fromhex skips whitespace inside a value, which then comes short of its bytes.
        if len(bytes.fromhex("".join(texts))) * 2 != digits * len(texts):
            return None
    except (AttributeError, TypeError, ValueError):
        return None
    return texts


class LookupService:
    """Every bank's entries in memory, answering lookups; :meth:`refresh` follows the store."""

    def __init__(self, radius: int | None = None, quality_floor: int | None = None) -> None:
        self.radius = int(PDQ.default_threshold if radius is None else radius)
        self.quality_floor = int(PDQ.quality_floor if quality_floor is None else quality_floor)
        #: How many times everything was rebuilt (the first build included).
        self.rebuilds = 0
        self._segments: tuple[Segment, ...] = ()
        self._categories = Categories()
        self._bank_names: dict[int, str] = {}
        self._visible: dict[tuple[int, bool], frozenset[int]] = {}
        self._imports: set[int] = set()
        self._banks: set[int] = set()
        self._last_entry = 0
        self._count = 0
        self._id_sum = 0
        self._marker: tuple[Any, ...] | None = None
        self._sharing: int | None = None
        self._refreshing = threading.Lock()

    # --- size -----------------------------------------------------------------------

    def __len__(self) -> int:
        """Entries held and live."""
        return sum(int(np.count_nonzero(s.live)) for s in self._segments)

    @property
    def pdq_count(self) -> int:
        """PDQ hashes held (dead ones included until the next rebuild)."""
        return sum(len(s.pdq) for s in self._segments)

    @property
    def segments(self) -> int:
        """How many segments the entries are held in."""
        return len(self._segments)

    # --- following the store ----------------------------------------------------------

    def refresh(self, session: Session) -> RefreshOutcome:
        """Take in what the banks gained or lost since the last refresh.

        A cheap marker (newest entry id, the complete imports, the banks) is read first;
        nothing more is read when it has not moved. Only one refresh runs at a time.
        """
        with self._refreshing:
            self._follow_sharing(session)
            marker = self._read_marker(session)
            if marker == self._marker:
                return RefreshOutcome()
            if not self._segments and self.rebuilds == 0:
                outcome = self._rebuild(session)
            else:
                outcome = self._update(session)
            self._marker = marker
            return outcome

    def _read_marker(self, session: Session) -> tuple[Any, ...]:
        newest = session.scalar(select(func.max(BankEntry.id)))
        imports = session.execute(
            select(func.count(BankImport.id), func.coalesce(func.sum(BankImport.id), 0)).where(
                BankImport.status == ImportStatus.COMPLETE.value
            )
        ).one()
        banks = session.execute(
            select(func.count(Bank.id), func.coalesce(func.sum(Bank.id), 0))
        ).one()
        return (newest, tuple(imports), tuple(banks))

    def _follow_sharing(self, session: Session) -> None:
        """Forget the visible banks per agency when banks or their sharing changed."""
        banks = session.execute(
            select(Bank.id, Bank.name, Bank.agency_id, Bank.dissemination).order_by(Bank.id)
        ).all()
        grants = session.execute(
            select(ShareGrant.id, ShareGrant.record_id, ShareGrant.agency_id, ShareGrant.reason)
            .where(ShareGrant.record_type == RecordType.BANK.value)
            .order_by(ShareGrant.id)
        ).all()
        fingerprint = hash((tuple(map(tuple, banks)), tuple(map(tuple, grants))))
        if fingerprint != self._sharing:
            self._bank_names = {row.id: row.name for row in banks}
            self._visible = {}
            self._sharing = fingerprint

    def _rebuild(self, session: Session) -> RefreshOutcome:
        """Read every entry again into one segment, then publish it in place of the rest."""
        categories = Categories()
        builder = SegmentBuilder(categories, self.quality_floor)
        with collector_paused():
            for rows in entry_rows(session, BankEntry.id > 0):
                builder.add(rows)
        segment = builder.segment()
        imports = set(
            session.scalars(
                select(BankImport.id).where(BankImport.status == ImportStatus.COMPLETE.value)
            )
        )
        banks = set(session.scalars(select(Bank.id)))
        dropped = len(self)
        self._categories = categories
        self._segments = () if segment is None else (segment,)
        self._imports, self._banks = imports, banks
        self._last_entry = 0 if segment is None else int(segment.entry_ids.max())
        self._count = builder.size
        self._id_sum = 0 if segment is None else int(segment.entry_ids.sum())
        self.rebuilds += 1
        return RefreshOutcome(added=builder.size, dropped=dropped, rebuilt=True)

    def _update(self, session: Session) -> RefreshOutcome:
        complete = set(
            session.scalars(
                select(BankImport.id).where(BankImport.status == ImportStatus.COMPLETE.value)
            )
        )
        banks = set(session.scalars(select(Bank.id)))
        dropped = self._drop(self._imports - complete, self._banks - banks)
        # Entries newer than any held, and those of imports that completed since (their
        # entries may be older than the newest held: they were staged meanwhile).
        new_imports = sorted(complete - self._imports)
        arrived = BankEntry.id > self._last_entry
        completed = BankEntry.import_id.in_(new_imports) if new_imports else false()
        builder = SegmentBuilder(self._categories, self.quality_floor)
        with collector_paused():
            for rows in entry_rows(session, or_(arrived, completed)):
                builder.add(rows)
        segment = builder.segment()
        if segment is not None:
            self._segments = (*self._segments, segment)
            self._last_entry = max(self._last_entry, int(segment.entry_ids.max()))
            self._count += segment.size
            self._id_sum += int(segment.entry_ids.sum())
        self._imports, self._banks = complete, banks
        if self._needs_rebuild(session, check_store=dropped > 0):
            outcome = self._rebuild(session)
            return RefreshOutcome(outcome.added, dropped + outcome.dropped, rebuilt=True)
        return RefreshOutcome(added=builder.size, dropped=dropped)

    def _drop(self, gone_imports: set[int], gone_banks: set[int]) -> int:
        """Mark dead the entries of deleted imports and deleted banks; returns how many."""
        if not gone_imports and not gone_banks:
            return 0
        imports = np.fromiter(gone_imports, dtype=np.int64)
        banks = np.fromiter(gone_banks, dtype=np.int64)
        dropped = 0
        for segment in self._segments:
            dead = np.isin(segment.import_ids, imports) | np.isin(segment.bank_ids, banks)
            dead &= segment.live
            count = int(np.count_nonzero(dead))
            if count:
                segment.live = segment.live & ~dead
                self._count -= count
                self._id_sum -= int(segment.entry_ids[dead].sum())
                dropped += count
        return dropped

    def _needs_rebuild(self, session: Session, check_store: bool) -> bool:
        """Too many segments or dead entries; or, with ``check_store``, the store holds other
        entries than these.

        The check reads every entry (seconds at ten million), so it runs only after a
        deletion: additions are read by id and import, and cannot be missed.
        """
        size = sum(s.size for s in self._segments)
        if len(self._segments) > _MAX_SEGMENTS or (size - self._count) * _DEAD_SHARE > size:
            return True
        if not check_store:
            return False
        count, id_sum = session.execute(
            select(func.count(BankEntry.id), func.coalesce(func.sum(BankEntry.id), 0)).where(
                visible_entries(), BankEntry.id <= self._last_entry
            )
        ).one()
        return (int(count), int(id_sum)) != (self._count, self._id_sum)

    # --- answering ------------------------------------------------------------------

    def visible_banks(self, sessions: Sessions, viewer: Viewer) -> frozenset[int]:
        """Ids of the banks ``viewer`` may see: the policy's answer, kept until the banks or
        their sharing change (``sessions`` is opened only when it must be asked)."""
        key = (viewer.agency_id, viewer.is_partner)
        found = self._visible.get(key)
        if found is None:
            with sessions() as session:
                found = frozenset(session.scalars(policy.visible_bank_ids(viewer)))
            self._visible[key] = found
        return found

    def lookup(
        self, sessions: Sessions, viewer: Viewer, signal_type: str, values: Sequence[object]
    ) -> list[LookupAnswer]:
        """Match or no match for each of ``values`` (one signal type), as ``viewer`` may see it.

        ForbiddenError without the lookup permission; LookupInputError naming a bad signal
        type, a bad value (by its position) or too many values.
        """
        policy.require(viewer, Permission.LOOKUP)
        signal = lookup_signal(signal_type)
        parsed = parse_values(signal, values)
        banks = self.visible_banks(sessions, viewer)
        visible = np.fromiter(banks, np.int64, len(banks))
        found: list[list[KnownMatch]] = [[] for _ in parsed]
        if signal is PDQ:
            codes = codes_from_hex(parsed)
            for segment in self._segments:
                hits = self._pdq_hits(segment, codes)
                self._add_visible(found, segment, visible, *hits)
        else:
            keys = [bytes.fromhex(value) for value in parsed]
            for segment in self._segments:
                hits = _exact_hits(segment.exact[signal.name], keys)
                self._add_visible(found, segment, visible, *hits)
        return [
            LookupAnswer(value, tuple(sorted(matches, key=_nearest)))
            for value, matches in zip(parsed, found, strict=True)
        ]

    def _pdq_hits(self, segment: Segment, codes: NDArray[np.uint8]) -> Hits:
        if len(codes) == 1:  # one query has the index's lighter path
            pairs = segment.pdq.search(codes[0], self.radius)
            return [0] * len(pairs), [pos for pos, _ in pairs], [dist for _, dist in pairs]
        arrays = segment.pdq.search_arrays(codes, self.radius)
        return arrays.numbers, arrays.ids, arrays.distances

    def _add_visible(
        self,
        found: list[list[KnownMatch]],
        segment: Segment,
        visible: NDArray[np.int64],
        numbers: Sequence[int] | NDArray[np.intp],
        positions: Sequence[int] | NDArray[np.int64],
        distances: Sequence[int] | NDArray[np.uint16],
    ) -> None:
        """Append to ``found[number]`` the live entries among a segment's hits whose bank is
        one of ``visible``."""
        if not len(positions):
            return
        at = np.asarray(positions, dtype=np.int64)
        banks = segment.bank_ids.take(at)
        keep = segment.live.take(at) & np.isin(banks, visible)
        at = at[keep]
        names, categories = self._bank_names, segment.category_names
        for number, bank, entry, category, distance in zip(
            np.asarray(numbers)[keep].tolist(),
            banks[keep].tolist(),
            segment.entry_ids.take(at).tolist(),
            segment.categories.take(at).tolist(),
            np.asarray(distances)[keep].tolist(),
            strict=True,
        ):
            found[number].append(
                KnownMatch(names.get(bank, ""), entry, categories[category], distance)
            )


def _exact_hits(table: dict[bytes, Positions], keys: list[bytes]) -> Hits:
    """The hits of ``keys`` in one segment's dict of an exact hash."""
    numbers: list[int] = []
    found: list[int] = []
    for number, key in enumerate(keys):
        for pos in positions(table.get(key)):
            numbers.append(number)
            found.append(pos)
    return numbers, found, [0] * len(found)
