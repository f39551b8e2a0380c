"""Pages: missing-child reports — those the caller may see (by status), a new one, and one
report with what is known, its history and sharing; its owner's changes and the child
found, through ``vigil.cases.missing`` as the API's routes make them. Reference photos and
videos are ingested from the command line (``vigil missing add-media``), as in the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from vigil.cases import missing as domain
from vigil.sharing.policy import Permission
from vigil.store.models import Level, MissingChildReport, MissingStatus, RecordType, Sex
from vigil.web.auth import Principal
from vigil.web.deps import reading
from vigil.web.errors import PageRequest, page_request
from vigil.web.pages import record_forms as forms
from vigil.web.pages.record_forms import ActionForm, Input, Reader, Refusal, Writer
from vigil.web.pages.records_list import Filter, Row, listing_page
from vigil.web.pages.render import back_to, render
from vigil.web.routes.params import RecordId
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_REPORT = {"report_id": PathRecord.MISSING_REPORT}
ReportReader = Annotated[Principal, allow(Permission.READ, scopes=(), records=_REPORT)]
ReportWriter = Annotated[Principal, allow(Permission.WRITE, scopes=(), records=_REPORT)]
#: How reference media are added (the page cannot take a folder of the child's photos).
ADD_MEDIA = "vigil missing add-media {reference} FOLDER"


@router.get("/missing", response_class=HTMLResponse)
def reports_list(
    request: Request,
    caller: Reader,
    page: Annotated[PageRequest, Depends(page_request)],
    status: str = "",
) -> HTMLResponse:
    """The reports the caller may see, most recently missing first (in ``status``)."""
    wanted = forms.optional_choice("status", status, MissingStatus)
    with reading(request) as session:
        found = domain.list_reports(session, caller.viewer, wanted, page.limit, page.offset)
    rows = [
        Row(
            f"/missing/{r.id}",
            (r.reference, r.child_label, r.status.value, r.missing_since, r.country, r.agency),
        )
        for r in found.items
    ]
    return listing_page(
        request,
        caller,
        "missing",
        "Missing children",
        ("Reference", "Child", "Status", "Missing since", "Country", "Agency"),
        rows,
        page,
        found.total,
        new=("/missing/new", "New missing-child report"),
        filter_by=Filter(
            "status", "Status", forms.values(MissingStatus), wanted.value if wanted else ""
        ),
    )


def _child(
    country: str, label: str, sex: str, born: object, since: object, place: str
) -> tuple[Input, ...]:
    return (
        Input("country", "Country", value=country, required=True, hint="two letters, e.g. FR"),
        Input(
            "child_label", "Child", value=label, required=True, hint="as the notice names the child"
        ),
        Input("sex", "Sex", "select", sex, forms.values(Sex)),
        Input("birth_year", "Year of birth", "number", born),
        Input("missing_since", "Missing since", "date", since, required=True),
        Input("last_seen_place", "Last seen at", "textarea", place),
    )


def _new_form(
    reference: str = "",
    country: str = "",
    label: str = "",
    sex: str = "unknown",
    born: object = "",
    since: object = "",
    place: str = "",
) -> ActionForm:
    inputs = (
        Input(
            "reference", "Reference", value=reference, required=True, hint="unique in the network"
        ),
        *_child(country, label, sex, born, since, place),
        *forms.level_inputs(Level.ALL),
    )
    return ActionForm("new", "New missing-child report", "/missing", inputs, "Report")


@router.get("/missing/new", response_class=HTMLResponse)
def new_report_form(request: Request, caller: Writer) -> HTMLResponse:
    """The form for a new missing-child report of the caller's agency."""
    return forms.new_page(request, caller, "missing", _new_form(), None)


@router.post("/missing", response_class=HTMLResponse)
def create_report(
    request: Request,
    caller: Writer,
    reference: Annotated[str, Form(max_length=domain.REFERENCE_MAX)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
    child_label: Annotated[str, Form(max_length=domain.LABEL_MAX)] = "",
    missing_since: Annotated[date | None, Form()] = None,
    sex: Annotated[Sex, Form()] = Sex.UNKNOWN,
    birth_year: Annotated[int | None, Form()] = None,
    last_seen_place: Annotated[str, Form(max_length=domain.PLACE_MAX)] = "",
    level: Annotated[Level, Form()] = Level.ALL,
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Report a missing child for the caller's agency; on to the report's page."""
    made = forms.attempt_made(
        request,
        "new",
        lambda session: (
            domain.create_report(
                session,
                caller.viewer,
                reference,
                country=country,
                child_label=child_label,
                missing_since=missing_since or "",
                sex=sex,
                birth_year=birth_year,
                last_seen_place=forms.lines(last_seen_place) or None,
                level=level,
                agencies=forms.agency_codes(agencies),
            ).id
        ),
    )
    if isinstance(made, Refusal):
        since = missing_since.isoformat() if missing_since else ""
        born = "" if birth_year is None else birth_year
        form = _new_form(reference, country, child_label, sex.value, born, since, last_seen_place)
        return forms.new_page(request, caller, "missing", form, made)
    return back_to(f"/missing/{made}")


def _actions(shown: domain.ReportShown, base: str) -> list[ActionForm]:
    born = "" if shown.birth_year is None else shown.birth_year
    child = _child(
        shown.country,
        shown.child_label,
        shown.sex.value,
        born,
        shown.missing_since.isoformat(),
        shown.last_seen_place or "",
    )
    found = (Input("on", "On", "date", hint="default today"),)
    return [
        ActionForm("edit", "What is known", f"{base}/edit", child, "Save"),
        ActionForm("found", "Found", f"{base}/found", found, "Mark the child found"),
    ]


def report_page(
    request: Request, caller: Principal, report_id: int, refusal: Refusal | None = None
) -> HTMLResponse:
    """One report's page (with ``refusal`` shown next to its form, when given)."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = domain.report_detail(session, viewer, report_id)
        owner = session.get_one(MissingChildReport, report_id).agency_id
        panel = forms.record_panel(session, caller, RecordType.MISSING_REPORT, report_id, owner)
    base = f"/missing/{report_id}"
    facts = [
        ("Reference", shown.reference),
        ("Child", shown.child_label),
        ("Status", shown.status.value),
        ("Sex", shown.sex.value),
        ("Year of birth", shown.birth_year),
        ("Missing since", shown.missing_since),
        ("Last seen at", shown.last_seen_place),
        ("Found on", shown.found_on),
        ("Country", shown.country),
        ("Reference media", f"seizure {shown.seizure_id}" if shown.seizure_id else None),
        ("Agency", shown.agency),
        ("Reported", shown.created_at.strftime("%Y-%m-%d %H:%M")),
    ]
    notes = [
        "Reference photos and videos are added from the command line: "
        + ADD_MEDIA.format(reference=shown.reference)
    ]
    context = {
        "heading": f"Missing child {shown.reference}",
        "facts": facts,
        "notes": notes,
        "panel": panel,
        "base": base,
        "actions": _actions(shown, base) if panel.changeable else [],
        "refusal": refusal,
    }
    status = refusal.status if refusal else 200
    return render(
        request, caller, "pages/records/detail.html", context, section="missing", status=status
    )


@router.get("/missing/{report_id}", response_class=HTMLResponse)
def report_detail(request: Request, report_id: RecordId, caller: ReportReader) -> HTMLResponse:
    """One missing-child report: what is known, history and sharing; 404 when hidden."""
    return report_page(request, caller, report_id)


def _change(
    request: Request,
    caller: Principal,
    report_id: int,
    form: str,
    change: Callable[[Session], object],
) -> Response:
    refusal = forms.attempt(request, form, change)
    if refusal is not None:
        return report_page(request, caller, report_id, refusal)
    return back_to(f"/missing/{report_id}")


@router.post("/missing/{report_id}/edit", response_class=HTMLResponse)
def edit_report(
    request: Request,
    report_id: RecordId,
    caller: ReportWriter,
    country: Annotated[str | None, Form(max_length=2)] = None,
    child_label: Annotated[str | None, Form(max_length=domain.LABEL_MAX)] = None,
    sex: Annotated[Sex | None, Form()] = None,
    birth_year: Annotated[int | None, Form()] = None,
    missing_since: Annotated[date | None, Form()] = None,
    last_seen_place: Annotated[str, Form(max_length=domain.PLACE_MAX)] = "",
) -> Response:
    """Change the report (its owner only; a blank place clears it)."""
    return _change(
        request,
        caller,
        report_id,
        "edit",
        lambda session: domain.update_report(
            session,
            caller.viewer,
            report_id,
            country=country,
            child_label=child_label,
            sex=sex,
            birth_year=birth_year,
            missing_since=missing_since,
            last_seen_place=forms.lines(last_seen_place),
        ),
    )


@router.post("/missing/{report_id}/found", response_class=HTMLResponse)
def report_found(
    request: Request,
    report_id: RecordId,
    caller: ReportWriter,
    on: Annotated[date | None, Form()] = None,
) -> Response:
    """The child was found (its owner only); refused when found already."""
    return _change(
        request,
        caller,
        report_id,
        "found",
        lambda session: domain.mark_found(session, caller.viewer, report_id, on),
    )


@router.post("/missing/{report_id}/sharing", response_class=HTMLResponse)
def share_report(
    request: Request,
    report_id: RecordId,
    caller: ReportWriter,
    level: Annotated[Level, Form()],
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set who besides its owner may see the report (its owner only)."""
    refusal = forms.share(request, caller, RecordType.MISSING_REPORT, report_id, level, agencies)
    if refusal is not None:
        return report_page(request, caller, report_id, refusal)
    return back_to(f"/missing/{report_id}")
