"""Pages: sharing levels — how many of each kind of record the agency owns at each level,
and the records of one kind (and level) with links to their pages, where the owner changes
a level.

The records and levels come from :mod:`vigil.sharing.dissemination`, which decides what the
agency owns.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from vigil.sharing.dissemination import SHAREABLE, owned_levels, owned_records
from vigil.sharing.policy import Permission
from vigil.store.models import Level, RecordType
from vigil.web.auth import Principal
from vigil.web.deps import reading
from vigil.web.pages.admin import SECTION
from vigil.web.pages.record_links import RECORD_LABELS, record_link
from vigil.web.pages.render import render
from vigil.web.rules import allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_PAGE = 100


def _kind(text: str) -> RecordType:
    """The kind the page was asked for: one whose level can be set, cases by default."""
    try:
        kind = RecordType(text)
    except ValueError:
        return RecordType.CASE
    return kind if kind in SHAREABLE else RecordType.CASE


@router.get("/admin/sharing")
def sharing_page(
    request: Request,
    caller: Annotated[Principal, allow(Permission.ADMINISTER, scopes=())],
    kind: Annotated[str, Query(max_length=32)] = RecordType.CASE.value,
    level: Level | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The agency's records by kind and level."""
    shown = _kind(kind)
    with reading(request) as session:
        counts = owned_levels(session, caller.viewer)
        found, total = owned_records(
            session, caller.viewer, shown, level, limit=_PAGE, offset=offset
        )
    rows = [(record_link(o.record_type, o.record_id, o.name), o.level) for o in found]
    base = f"/admin/sharing?kind={shown.value}" + (f"&level={level.value}" if level else "")
    context = {
        "counts": [(k, RECORD_LABELS[k], counts[k]) for k in SHAREABLE],
        "levels": list(Level),
        "kind": shown,
        "kind_label": RECORD_LABELS[shown],
        "level": level,
        "rows": rows,
        "page": {"limit": _PAGE, "offset": offset, "total": total},
        "base_url": base,
    }
    return render(request, caller, "pages/admin/sharing.html", context, section=SECTION)
