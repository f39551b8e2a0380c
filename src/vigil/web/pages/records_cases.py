"""Pages: cases — those the caller may see (by status), and one case with what is known,
its seizures, the series it works on (with who tied them when), its history and sharing;
its owner's changes (title, priority, closed or reopened) and a series tied to it, through
``vigil.cases`` as the API's routes make them. Cases are made by ingests (and the command
line), not here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from vigil.cases import casework, links, ties
from vigil.sharing import records
from vigil.sharing.policy import Permission
from vigil.sharing.views import record_view
from vigil.store.models import Case, CaseStatus, Level, Priority, RecordType
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.errors import PageRequest, page_request
from vigil.web.pages import record_forms as forms
from vigil.web.pages.record_forms import ActionForm, Input, Reader, Refusal
from vigil.web.pages.records_list import Filter, Row, listing_page
from vigil.web.pages.render import back_to, render
from vigil.web.routes.params import RecordId
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_CASE = {"case_id": PathRecord.CASE}
CaseReader = Annotated[Principal, allow(Permission.READ, scopes=(), records=_CASE)]
CaseWriter = Annotated[Principal, allow(Permission.WRITE, scopes=(), records=_CASE)]


@router.get("/cases", response_class=HTMLResponse)
def cases_list(
    request: Request,
    caller: Reader,
    page: Annotated[PageRequest, Depends(page_request)],
    status: str = "",
) -> HTMLResponse:
    """The cases the caller may see, by reference (in ``status``, when given)."""
    wanted = forms.optional_choice("status", status, CaseStatus)
    with reading(request) as session:
        found = records.list_cases(session, caller.viewer, page.limit, page.offset, wanted)
    rows = [
        Row(
            f"/cases/{c.id}",
            (c.reference, c.title, c.status.value, c.priority.value, c.opened_on, c.agency),
        )
        for c in found.items
    ]
    return listing_page(
        request,
        caller,
        "cases",
        "Cases",
        ("Reference", "Title", "Status", "Priority", "Opened", "Agency"),
        rows,
        page,
        found.total,
        filter_by=Filter(
            "status", "Status", forms.values(CaseStatus), wanted.value if wanted else ""
        ),
    )


def _actions(shown: records.CaseListed, base: str) -> list[ActionForm]:
    inputs = (
        Input("title", "Title", value=shown.title or "", hint="blank clears it"),
        Input("priority", "Priority", "select", shown.priority.value, forms.values(Priority)),
        Input("status", "Status", "select", shown.status.value, forms.values(CaseStatus)),
        Input("on", "Closed on", "date", hint="when closing; default today"),
    )
    return [ActionForm("edit", "Title, priority and status", f"{base}/edit", inputs, "Save")]


def _tie_series(base: str) -> ActionForm:
    picked = Input("series", "Series", hint="one of your agency's series: its name, or #12")
    return ActionForm("series", "A series this case works on", f"{base}/series", (picked,), "Tie")


def case_page(
    request: Request, caller: Principal, case_id: int, refusal: Refusal | None = None
) -> HTMLResponse:
    """One case's page (with ``refusal`` shown next to its form, when given); reading
    another agency's case is recorded, as through the API."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = records.case_detail(session, viewer, case_id)
        series = ties.tied_series(session, viewer, RecordType.CASE, case_id)
        owner = session.get_one(Case, case_id).agency_id
        panel = forms.record_panel(session, caller, RecordType.CASE, case_id, owner)
    with writing(request) as session:
        record_view(session, viewer, session.get_one(Case, case_id))
    case = shown.case
    base = f"/cases/{case_id}"
    seizures = ", ".join(seizure.name for seizure in shown.seizures)
    facts = [
        ("Reference", case.reference),
        ("Title", case.title),
        ("Status", case.status.value),
        ("Priority", case.priority.value),
        ("Opened on", case.opened_on),
        ("Closed on", case.closed_on),
        ("Seizures", seizures),
        ("Agency", case.agency),
        ("Recorded", case.created_at.strftime("%Y-%m-%d %H:%M")),
    ]
    context = {
        "heading": f"Case {case.reference}",
        "facts": facts,
        "ties": forms.tie_rows(series),
        "ties_caption": "Series this case works on",
        "panel": panel,
        "base": base,
        "actions": _actions(case, base) if panel.changeable else [],
        "others": [_tie_series(base)] if viewer.can(Permission.WRITE) else [],
        "refusal": refusal,
    }
    status = refusal.status if refusal else 200
    return render(
        request, caller, "pages/records/detail.html", context, section="cases", status=status
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_detail(request: Request, case_id: RecordId, caller: CaseReader) -> HTMLResponse:
    """One case: what is known, its seizures and series, history and sharing; 404 when
    hidden."""
    return case_page(request, caller, case_id)


def _change(
    request: Request,
    caller: Principal,
    case_id: int,
    form: str,
    change: Callable[[Session], object],
    typed: dict[str, str] | None = None,
) -> Response:
    refusal = forms.attempt(request, form, change, typed)
    if refusal is not None:
        return case_page(request, caller, case_id, refusal)
    return back_to(f"/cases/{case_id}")


@router.post("/cases/{case_id}/edit", response_class=HTMLResponse)
def edit_case(
    request: Request,
    case_id: RecordId,
    caller: CaseWriter,
    title: Annotated[str, Form(max_length=casework.TITLE_MAX)] = "",
    priority: Annotated[Priority | None, Form()] = None,
    status: Annotated[CaseStatus | None, Form()] = None,
    on: Annotated[date | None, Form()] = None,
) -> Response:
    """Change the case's title or priority, close or reopen it (its owner only). The form
    shows the case whole: a blank title clears it, and its status is changed only when the
    one posted differs."""
    viewer = caller.viewer

    def change(session: Session) -> None:
        current = records.case_detail(session, viewer, case_id).case.status
        casework.update_case(session, viewer, case_id, title=title, priority=priority)
        if status is CaseStatus.CLOSED and current is not CaseStatus.CLOSED:
            casework.close_case(session, viewer, case_id, on)
        elif status is CaseStatus.OPEN and current is not CaseStatus.OPEN:
            casework.reopen_case(session, viewer, case_id)

    return _change(request, caller, case_id, "edit", change)


@router.post("/cases/{case_id}/series", response_class=HTMLResponse)
def tie_series(
    request: Request,
    case_id: RecordId,
    caller: CaseWriter,
    series: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Tie one of the caller's agency's series to the case (a case the caller may see)."""
    viewer = caller.viewer
    return _change(
        request,
        caller,
        case_id,
        "series",
        lambda session: links.link_record(
            session,
            viewer,
            forms.picked(session, viewer, RecordType.SERIES, series),
            RecordType.CASE,
            case_id,
        ),
        {"series": series},
    )


@router.post("/cases/{case_id}/sharing", response_class=HTMLResponse)
def share_case(
    request: Request,
    case_id: RecordId,
    caller: CaseWriter,
    level: Annotated[Level, Form()],
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set who besides its owner may see the case (its owner only)."""
    refusal = forms.share(request, caller, RecordType.CASE, case_id, level, agencies)
    if refusal is not None:
        return case_page(request, caller, case_id, refusal)
    return back_to(f"/cases/{case_id}")
