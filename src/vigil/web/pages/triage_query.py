"""The triage grid's filters as a GET form sends them: read back into
:class:`vigil.reports.grid.GridFilters`, with a message per field that could not be read (the
form shows it next to the field), and written out again for the pager's links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from vigil.reports.grid import KINDS, GridFilters

#: The form's fields, in the order the links carry them.
FIELDS = ("kind", "category", "has_match", "camera", "taken_from", "taken_to", "folder", "hidden")
_TEXT_MAX = 300


@dataclass(frozen=True)
class FilterForm:
    """The filters read from a query string, what the form shows again, and its errors."""

    filters: GridFilters
    #: Field -> the text to show in it again.
    values: dict[str, str]
    #: Field -> why it was not understood (that filter is then left off).
    errors: dict[str, str] = field(default_factory=dict)

    def query(self, **extra: str | int) -> str:
        """The query string of these filters (plus ``extra``), for links that keep them."""
        pairs = [(name, self.values[name]) for name in FIELDS if self.values.get(name)]
        pairs += [(name, str(value)) for name, value in extra.items()]
        return urlencode(pairs)


def _date(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{name}: not a date (YYYY-MM-DD): {text!r}"
        return None


def read_filters(params: Mapping[str, str]) -> FilterForm:
    """The filters of the query ``params`` (unknown names are ignored)."""
    values = {name: params.get(name, "").strip()[:_TEXT_MAX] for name in FIELDS}
    errors: dict[str, str] = {}
    kind = values["kind"] or None
    if kind is not None and kind not in KINDS:
        errors["kind"] = f"kind: one of {', '.join(KINDS)}, not {kind!r}"
        kind = None
    has_match = {"yes": True, "no": False, "": None}.get(values["has_match"])
    if values["has_match"] not in ("yes", "no", ""):
        errors["has_match"] = f"has_match: yes or no, not {values['has_match']!r}"
    taken_from = _date(values["taken_from"], "taken_from", errors)
    taken_to = _date(values["taken_to"], "taken_to", errors)
    if taken_from and taken_to and taken_from > taken_to:
        errors["taken_to"] = f"taken_to: {taken_to} is before taken_from {taken_from}"
        taken_to = None
    filters = GridFilters(
        kind=kind,
        category=values["category"] or None,
        has_match=has_match,
        camera=values["camera"] or None,
        taken_from=taken_from,
        taken_to=taken_to,
        folder=values["folder"] or None,
        show_not_pertinent=values["hidden"] == "show",
    )
    return FilterForm(filters, values, errors)


def read_offset(text: str | None) -> int:
    """The grid's offset from the query (0 for anything but a whole number >= 0)."""
    return int(text) if text and text.isdecimal() and len(text) < 10 else 0
