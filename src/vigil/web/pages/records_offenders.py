"""Pages: offenders — those the caller may see (by status), a new one, and one offender
with what is known, the series tied to it (with who tied them when), its history and
sharing; its owner's changes and status steps (forward only) through
``vigil.cases.offenders`` as the API's routes make them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from vigil.cases import offenders as domain
from vigil.cases import ties
from vigil.sharing.policy import Permission
from vigil.store.models import Level, Offender, OffenderStatus, RecordType
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

_OFFENDER = {"offender_id": PathRecord.OFFENDER}
OffenderReader = Annotated[Principal, allow(Permission.READ, scopes=(), records=_OFFENDER)]
OffenderWriter = Annotated[Principal, allow(Permission.WRITE, scopes=(), records=_OFFENDER)]


@router.get("/offenders", response_class=HTMLResponse)
def offenders_list(
    request: Request,
    caller: Reader,
    page: Annotated[PageRequest, Depends(page_request)],
    status: str = "",
) -> HTMLResponse:
    """The offenders the caller may see, by label (in ``status``, when given)."""
    wanted = forms.optional_choice("status", status, OffenderStatus)
    with reading(request) as session:
        found = domain.list_offenders(session, caller.viewer, wanted, page.limit, page.offset)
    rows = [
        Row(
            f"/offenders/{o.id}",
            (o.label, o.status.value, o.country, o.identified_on, o.agency, o.dissemination.value),
        )
        for o in found.items
    ]
    return listing_page(
        request,
        caller,
        "offenders",
        "Offenders",
        ("Label", "Status", "Country", "Identified on", "Agency", "Shared with"),
        rows,
        page,
        found.total,
        new=("/offenders/new", "New offender"),
        filter_by=Filter(
            "status", "Status", forms.values(OffenderStatus), wanted.value if wanted else ""
        ),
    )


def _new_form(label: str = "", country: str = "") -> ActionForm:
    inputs = (
        Input("label", "Label", value=label, required=True, hint="a pseudonym or handle"),
        Input("country", "Country", value=country, hint="two letters, e.g. FR"),
        *forms.level_inputs(),
    )
    return ActionForm("new", "New offender", "/offenders", inputs, "Record the offender")


@router.get("/offenders/new", response_class=HTMLResponse)
def new_offender_form(request: Request, caller: Writer) -> HTMLResponse:
    """The form for a new offender of the caller's agency."""
    return forms.new_page(request, caller, "offenders", _new_form(), None)


@router.post("/offenders", response_class=HTMLResponse)
def create_offender(
    request: Request,
    caller: Writer,
    label: Annotated[str, Form(max_length=domain.LABEL_MAX)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
    level: Annotated[Level, Form()] = Level.OWNER,
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record an offender of the caller's agency (status unknown); on to its page."""
    made = forms.attempt_made(
        request,
        "new",
        lambda session: (
            domain.create_offender(
                session,
                caller.viewer,
                label,
                country=country or None,
                level=level,
                agencies=forms.agency_codes(agencies),
            ).id
        ),
    )
    if isinstance(made, Refusal):
        return forms.new_page(request, caller, "offenders", _new_form(label, country), made)
    return back_to(f"/offenders/{made}")


def _actions(shown: domain.OffenderShown, base: str) -> list[ActionForm]:
    return [
        ActionForm(
            "edit",
            "Label and country",
            f"{base}/edit",
            (
                Input("label", "Label", value=shown.label, required=True),
                Input("country", "Country", value=shown.country or "", hint="blank clears it"),
            ),
            "Save",
        ),
        ActionForm(
            "status",
            "Status",
            f"{base}/status",
            (
                Input(
                    "status", "Status", "select", shown.status.value, forms.values(OffenderStatus)
                ),
                Input("on", "On", "date", hint="default today"),
            ),
            "Move to this status",
        ),
    ]


def offender_page(
    request: Request, caller: Principal, offender_id: int, refusal: Refusal | None = None
) -> HTMLResponse:
    """One offender's page (with ``refusal`` shown next to its form, when given)."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = domain.offender_detail(session, viewer, offender_id)
        series = ties.tied_series(session, viewer, RecordType.OFFENDER, offender_id)
        series_media = forms.media_of_series(session, viewer, series)
        owner = session.get_one(Offender, offender_id).agency_id
        panel = forms.record_panel(session, caller, RecordType.OFFENDER, offender_id, owner)
    base = f"/offenders/{offender_id}"
    facts = [
        ("Label", shown.label),
        ("Status", shown.status.value),
        ("Country", shown.country),
        ("Identified on", shown.identified_on),
        ("Agency", shown.agency),
        ("Recorded", shown.created_at.strftime("%Y-%m-%d %H:%M")),
    ]
    context = {
        "heading": f"Offender {shown.label}",
        "facts": facts,
        "ties": forms.tie_rows(series),
        "series_media": series_media,
        "ties_caption": "Series tied to this offender",
        "panel": panel,
        "base": base,
        "actions": _actions(shown, base) if panel.changeable else [],
        "refusal": refusal,
    }
    status = refusal.status if refusal else 200
    return render(
        request, caller, "pages/records/detail.html", context, section="offenders", status=status
    )


@router.get("/offenders/{offender_id}", response_class=HTMLResponse)
def offender_detail(
    request: Request, offender_id: RecordId, caller: OffenderReader
) -> HTMLResponse:
    """One offender: what is known, its series, history and sharing; 404 when hidden."""
    return offender_page(request, caller, offender_id)


def _change(
    request: Request,
    caller: Principal,
    offender_id: int,
    form: str,
    change: Callable[[Session], object],
) -> Response:
    refusal = forms.attempt(request, form, change)
    if refusal is not None:
        return offender_page(request, caller, offender_id, refusal)
    return back_to(f"/offenders/{offender_id}")


@router.post("/offenders/{offender_id}/edit", response_class=HTMLResponse)
def edit_offender(
    request: Request,
    offender_id: RecordId,
    caller: OffenderWriter,
    label: Annotated[str | None, Form(max_length=domain.LABEL_MAX)] = None,
    country: Annotated[str, Form(max_length=2)] = "",
) -> Response:
    """Change the offender's label or country (its owner only; a blank country clears it)."""
    return _change(
        request,
        caller,
        offender_id,
        "edit",
        lambda session: domain.update_offender(
            session, caller.viewer, offender_id, label=label, country=country
        ),
    )


@router.post("/offenders/{offender_id}/status", response_class=HTMLResponse)
def offender_status(
    request: Request,
    offender_id: RecordId,
    caller: OffenderWriter,
    status: Annotated[OffenderStatus, Form()],
    on: Annotated[date | None, Form()] = None,
) -> Response:
    """Move the offender forward to ``status``; a step back or in place shows the domain's
    refusal."""
    return _change(
        request,
        caller,
        offender_id,
        "status",
        lambda session: domain.set_offender_status(session, caller.viewer, offender_id, status, on),
    )


@router.post("/offenders/{offender_id}/sharing", response_class=HTMLResponse)
def share_offender(
    request: Request,
    offender_id: RecordId,
    caller: OffenderWriter,
    level: Annotated[Level, Form()],
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set who besides its owner may see the offender (its owner only)."""
    refusal = forms.share(request, caller, RecordType.OFFENDER, offender_id, level, agencies)
    if refusal is not None:
        return offender_page(request, caller, offender_id, refusal)
    return back_to(f"/offenders/{offender_id}")
