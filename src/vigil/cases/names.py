"""Finding identification records by what users type: a series by name, a victim or an
offender by label, a missing-child report by reference, a location by number.

Names are unique within an agency, not across the network: ``CODE/NAME`` picks another
agency's record, and a bare name takes the viewer's own agency's first. A name the viewer
cannot see is answered as one that does not exist (NotVisibleError), and the message lists
only what the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vigil.sharing.policy import NotVisibleError, Viewer, owns, record_condition
from vigil.sharing.records import AGENCY_SEPARATOR
from vigil.store.models import (
    Agency,
    Location,
    MissingChildReport,
    Offender,
    RecordType,
    Series,
    Victim,
)

#: How many visible names an error message lists at most.
LISTED = 20


@dataclass(frozen=True)
class _Named:
    model: Any
    column: InstrumentedAttribute[str]
    what: str


_NAMED = {
    RecordType.SERIES: _Named(Series, Series.name, "series"),
    RecordType.VICTIM: _Named(Victim, Victim.label, "victim"),
    RecordType.OFFENDER: _Named(Offender, Offender.label, "offender"),
    RecordType.MISSING_REPORT: _Named(
        MissingChildReport, MissingChildReport.reference, "missing-child report"
    ),
}


def label_of(viewer: Viewer, code: str, agency_id: int, name: str) -> str:
    """How the viewer is told of a named record: its name when its own agency's, else
    ``CODE/NAME``."""
    return name if owns(viewer, agency_id) else f"{code}{AGENCY_SEPARATOR}{name}"


def visible_names(session: Session, viewer: Viewer, record: RecordType) -> list[str]:
    """The names of the records of ``record`` the viewer may see, as it names them, sorted
    (at most :data:`LISTED`, then ``...``)."""
    named = _NAMED[record]
    rows = session.execute(
        select(named.column, named.model.agency_id, Agency.code)
        .join(Agency, Agency.id == named.model.agency_id)
        .where(record_condition(viewer, record))
        .order_by(named.column)
        .limit(LISTED + 1)
    )
    shown = sorted(label_of(viewer, code, agency_id, name) for name, agency_id, code in rows)
    return shown[:LISTED] + (["..."] if len(shown) > LISTED else [])


def find_named(session: Session, viewer: Viewer, record: RecordType, text: str) -> Any:
    """The record of type ``record`` that ``text`` names among those the viewer may see.

    ``text`` is a name (a series), a label (a victim, an offender), a reference (a
    missing-child report) or ``CODE/NAME``. Of several visible records of one name, the
    viewer's agency's own is taken, else the only one. NotVisibleError listing what the
    viewer may see when there is none; one listing the choices when several other
    agencies' records bear the name.
    """
    named = _NAMED[record]
    visible = select(named.model).where(record_condition(viewer, record))
    wanted = text.strip()
    code, separator, rest = wanted.partition(AGENCY_SEPARATOR)
    if separator:
        chosen = session.scalar(
            visible.join(Agency, Agency.id == named.model.agency_id).where(
                named.column == rest, Agency.code == code
            )
        )
        if chosen is not None:
            return chosen
    found = list(session.scalars(visible.where(named.column == wanted).order_by(named.model.id)))
    own = [row for row in found if owns(viewer, row.agency_id)]
    if own or len(found) == 1:
        return (own or found)[0]
    if found:
        codes = {row.id: row.code for row in session.execute(select(Agency.id, Agency.code))}
        choices = ", ".join(sorted(f"{codes[row.agency_id]}/{wanted}" for row in found))
        raise NotVisibleError(
            f"{named.what} {wanted!r} names several agencies' records ({choices}): give CODE/NAME"
        )
    known = ", ".join(visible_names(session, viewer, record)) or "none yet"
    raise NotVisibleError(f"no {named.what} {wanted!r} ({named.what}: {known})")


def find_series(session: Session, viewer: Viewer, text: str) -> Series:
    """The series ``text`` names (see :func:`find_named`)."""
    found: Series = find_named(session, viewer, RecordType.SERIES, text)
    return found


def find_victim(session: Session, viewer: Viewer, text: str) -> Victim:
    """The victim ``text`` labels (see :func:`find_named`)."""
    found: Victim = find_named(session, viewer, RecordType.VICTIM, text)
    return found


def find_offender(session: Session, viewer: Viewer, text: str) -> Offender:
    """The offender ``text`` labels (see :func:`find_named`)."""
    found: Offender = find_named(session, viewer, RecordType.OFFENDER, text)
    return found


def find_missing_report(session: Session, viewer: Viewer, text: str) -> MissingChildReport:
    """The missing-child report of reference ``text`` (see :func:`find_named`)."""
    found: MissingChildReport = find_named(session, viewer, RecordType.MISSING_REPORT, text)
    return found


def find_location(session: Session, viewer: Viewer, text: str) -> Location:
    """The location numbered ``text`` (``12`` or ``#12``, as listings show it), if the viewer
    may see it; NotVisibleError otherwise (hidden and missing alike)."""
    number = text.strip().removeprefix("#")
    if not number.isdecimal():
        raise NotVisibleError(
            f"location {text!r}: give its number as `vigil location list` shows it, e.g. 12"
        )
    found = session.scalar(
        select(Location).where(
            Location.id == int(number), record_condition(viewer, RecordType.LOCATION)
        )
    )
    if found is None:
        raise NotVisibleError(f"no location #{number} (see `vigil location list`)")
    return found
