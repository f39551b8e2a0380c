"""The lookup service's audit trail: one event per asker per flush, never per request.

An audit append per request would take the audit chain's lock on every lookup and cap the
service at the database's commit rate (bench/README.md, "Lookup service"); a summary per
asker per flush (the server flushes every second) keeps who asked how much, and when, to
the second. A crash loses at most the counts since the last flush.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from vigil.matching.lookup import LookupAnswer
from vigil.sharing.actor import Actor
from vigil.sharing.audit import Action, Details, record


@dataclass
class _Tally:
    requests: int = 0
    hashes: int = 0
    matched: int = 0
    signal_types: dict[str, int] = field(default_factory=dict)


class LookupLedger:
    """Counts lookups per actor; each :meth:`flush` records one audit event per actor.

    An audit append per request would take the audit chain's lock on every lookup and cap
    the service at the database's commit rate; a summary per actor per flush (the server
    flushes every second) keeps who asked how much, and when, to the second.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tallies: dict[Actor, _Tally] = {}

    def note(self, actor: Actor, signal_type: str, answers: Sequence[LookupAnswer]) -> None:
        """Count one request of ``actor`` (how many values, how many matched; never which)."""
        matched = sum(1 for answer in answers if answer.matched)
        with self._lock:
            tally = self._tallies.setdefault(actor, _Tally())
            tally.requests += 1
            tally.hashes += len(answers)
            tally.matched += matched
            tally.signal_types[signal_type] = tally.signal_types.get(signal_type, 0) + len(answers)

    def flush(self, session: Session) -> int:
        """Record what was counted since the last flush, in ``session``; returns events made."""
        with self._lock:
            tallies, self._tallies = self._tallies, {}
        for actor, tally in tallies.items():
            details: Details = {
                "requests": tally.requests,
                "hashes": tally.hashes,
                "matched": tally.matched,
                "signal_types": dict(sorted(tally.signal_types.items())),
            }
            record(session, Action.LOOKUP, "lookup", details, actor)
        return len(tallies)
