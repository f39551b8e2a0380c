"""Pages: victims — those the caller may see, a new one, and one victim with what is known
of the child, the series tied to it (with who tied them when), its history and sharing;
its owner's changes and the identification workflow (identify, rescue, safeguard: forward
only) through ``vigil.cases.victims`` as the API's routes make them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from vigil.cases import ties
from vigil.cases import victims as domain
from vigil.sharing.policy import Permission
from vigil.store.models import AgeBand, Level, RecordType, Sex, Victim, VictimStatus
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

_VICTIM = {"victim_id": PathRecord.VICTIM}
VictimReader = Annotated[Principal, allow(Permission.READ, scopes=(), records=_VICTIM)]
VictimWriter = Annotated[Principal, allow(Permission.WRITE, scopes=(), records=_VICTIM)]
Day = Annotated[date | None, Form()]


@router.get("/victims", response_class=HTMLResponse)
def victims_list(
    request: Request,
    caller: Reader,
    page: Annotated[PageRequest, Depends(page_request)],
    status: str = "",
) -> HTMLResponse:
    """The victims the caller may see, by label (in ``status``, when given)."""
    wanted = forms.optional_choice("status", status, VictimStatus)
    with reading(request) as session:
        found = domain.list_victims(session, caller.viewer, page.limit, page.offset, wanted)
    rows = [
        Row(
            f"/victims/{v.id}",
            (v.label, v.status.value, v.age_band.value, v.country, v.agency, v.dissemination.value),
        )
        for v in found.items
    ]
    return listing_page(
        request,
        caller,
        "victims",
        "Victims",
        ("Label", "Status", "Age", "Country", "Agency", "Shared with"),
        rows,
        page,
        found.total,
        new=("/victims/new", "New victim"),
        filter_by=Filter(
            "status", "Status", forms.values(VictimStatus), wanted.value if wanted else ""
        ),
    )


def _known(sex: str, age_band: str, country: str) -> tuple[Input, ...]:
    return (
        Input("sex", "Sex", "select", sex, forms.values(Sex)),
        Input("age_band", "Age", "select", age_band, forms.values(AgeBand)),
        Input("country", "Country", value=country, hint="two letters, e.g. PH"),
    )


def _new_form(
    label: str = "", sex: str = "unknown", age: str = "unknown", country: str = ""
) -> ActionForm:
    inputs = (
        Input("label", "Label", value=label, required=True, hint="a pseudonym, never a real name"),
        *_known(sex, age, country),
        *forms.level_inputs(),
    )
    return ActionForm("new", "New victim", "/victims", inputs, "Record the victim")


@router.get("/victims/new", response_class=HTMLResponse)
def new_victim_form(request: Request, caller: Writer) -> HTMLResponse:
    """The form for a new victim of the caller's agency."""
    return forms.new_page(request, caller, "victims", _new_form(), None)


@router.post("/victims", response_class=HTMLResponse)
def create_victim(
    request: Request,
    caller: Writer,
    label: Annotated[str, Form(max_length=domain.LABEL_LIMIT)] = "",
    sex: Annotated[Sex, Form()] = Sex.UNKNOWN,
    age_band: Annotated[AgeBand, Form()] = AgeBand.UNKNOWN,
    country: Annotated[str, Form(max_length=10)] = "",
    level: Annotated[Level, Form()] = Level.OWNER,
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record a victim of the caller's agency; on to its page (the form again when refused)."""
    made = forms.attempt_made(
        request,
        "new",
        lambda session: (
            domain.create_victim(
                session,
                caller.viewer,
                label,
                sex=sex,
                age_band=age_band,
                country=country or None,
                level=level,
                agencies=forms.agency_codes(agencies),
            ).id
        ),
    )
    if isinstance(made, Refusal):
        form = _new_form(label, sex.value, age_band.value, country)
        return forms.new_page(request, caller, "victims", form, made)
    return back_to(f"/victims/{made}")


def _actions(shown: domain.VictimListed, base: str) -> list[ActionForm]:
    on = Input("on", "On", "date", hint="default today")
    return [
        ActionForm(
            "edit",
            "What is known",
            f"{base}/edit",
            _known(shown.sex.value, shown.age_band.value, shown.country or ""),
            "Save",
        ),
        ActionForm(
            "identify",
            "Identified",
            f"{base}/identify",
            (on, Input("by", "By agency", hint="its code; default yours")),
            "Mark identified",
        ),
        ActionForm("rescue", "Rescued", f"{base}/rescue", (on,), "Mark rescued"),
        ActionForm("safeguard", "Safeguarded", f"{base}/safeguard", (on,), "Mark safeguarded"),
    ]


def victim_page(
    request: Request, caller: Principal, victim_id: int, refusal: Refusal | None = None
) -> HTMLResponse:
    """One victim's page (with ``refusal`` shown next to its form, when given)."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = domain.victim_shown(session, viewer, victim_id)
        series = ties.tied_series(session, viewer, RecordType.VICTIM, victim_id)
        series_media = forms.media_of_series(session, viewer, series)
        owner = session.get_one(Victim, victim_id).agency_id
        panel = forms.record_panel(session, caller, RecordType.VICTIM, victim_id, owner)
    base = f"/victims/{victim_id}"
    facts = [
        ("Label", shown.label),
        ("Status", shown.status.value),
        ("Sex", shown.sex.value),
        ("Age", shown.age_band.value),
        ("Country", shown.country),
        ("Identified by", shown.identified_by),
        ("Identified on", shown.identified_on),
        ("Rescued on", shown.rescued_on),
        ("Agency", shown.agency),
        ("Recorded", shown.created_at.strftime("%Y-%m-%d %H:%M")),
    ]
    context = {
        "heading": f"Victim {shown.label}",
        "facts": facts,
        "ties": forms.tie_rows(series),
        "series_media": series_media,
        "ties_caption": "Series tied to this victim",
        "panel": panel,
        "base": base,
        "actions": _actions(shown, base) if panel.changeable else [],
        "others": [],
        "refusal": refusal,
    }
    status = refusal.status if refusal else 200
    return render(
        request, caller, "pages/records/detail.html", context, section="victims", status=status
    )


@router.get("/victims/{victim_id}", response_class=HTMLResponse)
def victim_detail(request: Request, victim_id: RecordId, caller: VictimReader) -> HTMLResponse:
    """One victim: what is known, its series, history and sharing; 404 when hidden."""
    return victim_page(request, caller, victim_id)


def _change(
    request: Request,
    caller: Principal,
    victim_id: int,
    form: str,
    change: Callable[[Session], object],
) -> Response:
    refusal = forms.attempt(request, form, change)
    if refusal is not None:
        return victim_page(request, caller, victim_id, refusal)
    return back_to(f"/victims/{victim_id}")


@router.post("/victims/{victim_id}/edit", response_class=HTMLResponse)
def edit_victim(
    request: Request,
    victim_id: RecordId,
    caller: VictimWriter,
    sex: Annotated[Sex | None, Form()] = None,
    age_band: Annotated[AgeBand | None, Form()] = None,
    country: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Change what is known of the victim (its owner only); a blank country clears it."""
    return _change(
        request,
        caller,
        victim_id,
        "edit",
        lambda session: domain.update_victim(
            session, caller.viewer, victim_id, sex=sex, age_band=age_band, country=country
        ),
    )


@router.post("/victims/{victim_id}/identify", response_class=HTMLResponse)
def identify_victim(
    request: Request,
    victim_id: RecordId,
    caller: VictimWriter,
    on: Day = None,
    by: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Mark the victim identified (its agency's series of it follow); refused once rescued
    or safeguarded, with the domain's reason."""
    return _change(
        request,
        caller,
        victim_id,
        "identify",
        lambda session: domain.identify_victim(session, caller.viewer, victim_id, on, by or None),
    )


@router.post("/victims/{victim_id}/rescue", response_class=HTMLResponse)
def rescue_victim(
    request: Request, victim_id: RecordId, caller: VictimWriter, on: Day = None
) -> Response:
    """Mark the victim rescued (identified too, if it was not)."""
    return _change(
        request,
        caller,
        victim_id,
        "rescue",
        lambda session: domain.rescue_victim(session, caller.viewer, victim_id, on),
    )


@router.post("/victims/{victim_id}/safeguard", response_class=HTMLResponse)
def safeguard_victim(
    request: Request, victim_id: RecordId, caller: VictimWriter, on: Day = None
) -> Response:
    """Mark an identified or rescued victim safeguarded."""
    return _change(
        request,
        caller,
        victim_id,
        "safeguard",
        lambda session: domain.safeguard_victim(session, caller.viewer, victim_id, on),
    )


@router.post("/victims/{victim_id}/sharing", response_class=HTMLResponse)
def share_victim(
    request: Request,
    victim_id: RecordId,
    caller: VictimWriter,
    level: Annotated[Level, Form()],
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set who besides its owner may see the victim (its owner only)."""
    refusal = forms.share(request, caller, RecordType.VICTIM, victim_id, level, agencies)
    if refusal is not None:
        return victim_page(request, caller, victim_id, refusal)
    return back_to(f"/victims/{victim_id}")
