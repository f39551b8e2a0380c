"""Where each kind of record has its page: referrals and the sharing page link to them."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.store.models import RecordType

#: The path of each kind's pages; a record's page is ``PATH/ID``. Seizures and banks have
#: no page of their own (a seizure is shown on its case's page).
RECORD_PAGES: dict[RecordType, str] = {
    RecordType.CASE: "/cases",
    RecordType.MEDIA: "/media",
    RecordType.MATCH: "/matches",
    RecordType.SERIES: "/series",
    RecordType.VICTIM: "/victims",
    RecordType.OFFENDER: "/offenders",
    RecordType.LOCATION: "/locations",
    RecordType.MISSING_REPORT: "/missing",
}

#: How a kind of record is called on a page.
RECORD_LABELS: dict[RecordType, str] = {
    RecordType.CASE: "Case",
    RecordType.SEIZURE: "Seizure",
    RecordType.BANK: "Bank",
    RecordType.MEDIA: "Media",
    RecordType.MATCH: "Match",
    RecordType.SERIES: "Series",
    RecordType.VICTIM: "Victim",
    RecordType.OFFENDER: "Offender",
    RecordType.LOCATION: "Location",
    RecordType.MISSING_REPORT: "Missing-child report",
}


@dataclass(frozen=True)
class RecordLink:
    """A link to one record's page."""

    kind: RecordType
    record_id: int
    text: str

    @property
    def href(self) -> str | None:
        """The record's page, None for a kind without pages."""
        path = RECORD_PAGES.get(self.kind)
        return None if path is None else f"{path}/{self.record_id}"

    @property
    def label(self) -> str:
        """The kind of record, as a page calls it."""
        return RECORD_LABELS[self.kind]


def record_link(kind: RecordType, record_id: int, text: str | None = None) -> RecordLink:
    """A link to the record, showing ``text`` (its kind and id by default)."""
    kind = RecordType(kind)
    return RecordLink(kind, record_id, text or f"{RECORD_LABELS[kind]} {record_id}")
