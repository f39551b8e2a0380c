"""The listing page every kind of record shares: a table of what the caller may see, a
page of it at a time, an optional filter and the way to a new record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from vigil.web.auth import Principal
from vigil.web.errors import PageRequest
from vigil.web.pages.render import render


@dataclass(frozen=True)
class Row:
    """One row of a listing: the record's page, and its cells (the first links there)."""

    href: str
    cells: Sequence[object]


@dataclass(frozen=True)
class Filter:
    """A listing's one filter: a query parameter, its label, choices and current value."""

    name: str
    label: str
    choices: tuple[str, ...]
    value: str


@dataclass(frozen=True)
class Paged:
    """Where a listing stands, for the pager."""

    limit: int
    offset: int
    total: int


def listing_page(
    request: Request,
    caller: Principal,
    section: str,
    heading: str,
    headings: Sequence[str],
    rows: list[Row],
    page: PageRequest,
    total: int,
    *,
    new: tuple[str, str] | None = None,
    filter_by: Filter | None = None,
) -> HTMLResponse:
    """The listing page of ``section``: ``rows`` (one page, of ``total``), with the link to
    a new record (``new``: its URL and label) and ``filter_by`` when given."""
    path = f"/{section}"
    query = {"limit": str(page.limit)}
    if filter_by is not None and filter_by.value:
        query[filter_by.name] = filter_by.value
    context = {
        "heading": heading,
        "headings": headings,
        "rows": rows,
        "page": Paged(page.limit, page.offset, total),
        "path": path,
        "base": f"{path}?{urlencode(query)}",
        "filter": filter_by,
        "new_url": new[0] if new else None,
        "new_label": new[1] if new else None,
    }
    return render(request, caller, "pages/records/list.html", context, section=section)
