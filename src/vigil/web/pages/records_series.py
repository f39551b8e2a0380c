"""Pages: series — those the caller may see, a new one, and one series with its media,
its links (with who tied them when), its history and sharing; its owner's changes
(description and status, media assigned and taken out, victims, offenders, locations and
cases tied) through ``vigil.cases`` as the API's routes make them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from vigil.cases import links, ties
from vigil.cases import series as domain
from vigil.sharing.policy import Permission
from vigil.store.models import Level, RecordType, Series, SeriesStatus
from vigil.web.auth import Principal
from vigil.web.deps import reading
from vigil.web.errors import PageRequest, page_request
from vigil.web.pages import record_forms as forms
from vigil.web.pages.record_forms import ActionForm, Input, Reader, Refusal, Writer
from vigil.web.pages.records_list import Filter, Paged, Row, listing_page
from vigil.web.pages.render import back_to, render
from vigil.web.routes.params import MAX_ID, RecordId
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_SERIES = {"series_id": PathRecord.SERIES}
SeriesReader = Annotated[Principal, allow(Permission.READ, scopes=(), records=_SERIES)]
SeriesWriter = Annotated[Principal, allow(Permission.WRITE, scopes=(), records=_SERIES)]
#: What a series can be tied to from its page.
LINKABLE = tuple(kind.value for kind in links.LINKABLE)


@router.get("/series", response_class=HTMLResponse)
def series_list(
    request: Request,
    caller: Reader,
    page: Annotated[PageRequest, Depends(page_request)],
    status: str = "",
) -> HTMLResponse:
    """The series the caller may see, by name (in ``status``, when given)."""
    wanted = forms.optional_choice("status", status, SeriesStatus)
    with reading(request) as session:
        found = domain.list_series(session, caller.viewer, page.limit, page.offset, wanted)
    rows = [
        Row(
            f"/series/{s.id}",
            (s.name, s.status.value.replace("_", " "), s.agency, s.dissemination.value),
        )
        for s in found.items
    ]
    return listing_page(
        request,
        caller,
        "series",
        "Series",
        ("Name", "Status", "Agency", "Shared with"),
        rows,
        page,
        found.total,
        new=("/series/new", "New series"),
        filter_by=Filter(
            "status", "Status", forms.values(SeriesStatus), wanted.value if wanted else ""
        ),
    )


def _new_form(name: str = "", description: str = "") -> ActionForm:
    return ActionForm(
        "new",
        "New series",
        "/series",
        (
            Input("name", "Name", value=name, required=True),
            Input("description", "Description", "textarea", description),
            *forms.level_inputs(),
        ),
        "Create the series",
    )


@router.get("/series/new", response_class=HTMLResponse)
def new_series_form(request: Request, caller: Writer) -> HTMLResponse:
    """The form for a new series of the caller's agency."""
    return forms.new_page(request, caller, "series", _new_form(), None)


@router.post("/series", response_class=HTMLResponse)
def create_series(
    request: Request,
    caller: Writer,
    name: Annotated[str, Form(max_length=domain.NAME_LIMIT)] = "",
    description: Annotated[str, Form(max_length=domain.DESCRIPTION_LIMIT)] = "",
    level: Annotated[Level, Form()] = Level.OWNER,
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Make a series of the caller's agency; on to its page (the form again when refused)."""
    made = forms.attempt_made(
        request,
        "new",
        lambda session: (
            domain.create_series(
                session,
                caller.viewer,
                name,
                description=forms.lines(description) or None,
                level=level,
                agencies=forms.agency_codes(agencies),
            ).id
        ),
    )
    if isinstance(made, Refusal):
        return forms.new_page(request, caller, "series", _new_form(name, description), made)
    return back_to(f"/series/{made}")


def _actions(shown: domain.SeriesListed, base: str) -> list[ActionForm]:
    return [
        ActionForm(
            "edit",
            "Description and status",
            f"{base}/edit",
            (
                Input("description", "Description", "textarea", shown.description or ""),
                Input("status", "Status", "select", shown.status.value, forms.values(SeriesStatus)),
            ),
            "Save",
        ),
        ActionForm(
            "media",
            "Assign media",
            f"{base}/media",
            (
                Input(
                    "media",
                    "Media",
                    "textarea",
                    hint="one media id or SHA-256 per line; all are assigned, or none",
                    rows=6,
                ),
            ),
            "Assign",
        ),
        ActionForm(
            "link",
            "Tie to a record",
            f"{base}/links",
            (
                Input("kind", "Record", "select", "victim", LINKABLE),
                Input(
                    "record", "Name or number", hint="a label, name or reference as listed, or #12"
                ),
            ),
            "Tie",
        ),
    ]


def series_page(
    request: Request,
    caller: Principal,
    series_id: int,
    media_offset: int = 0,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """One series' page (with ``refusal`` shown next to its form, when given)."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = domain.series_shown(session, viewer, series_id)
        media = ties.series_media(session, viewer, series_id, forms.MEDIA_PAGE, media_offset)
        tied = ties.series_ties(session, viewer, series_id)
        owner = session.get_one(Series, series_id).agency_id
        panel = forms.record_panel(session, caller, RecordType.SERIES, series_id, owner)
    base = f"/series/{series_id}"
    facts = [
        ("Name", shown.name),
        ("Status", shown.status.value.replace("_", " ")),
        ("Agency", shown.agency),
        ("Description", shown.description),
        ("Media", media.total),
        ("First seen", shown.first_seen_at.strftime("%Y-%m-%d %H:%M")),
        ("Created", shown.created_at.strftime("%Y-%m-%d %H:%M")),
    ]
    context = {
        "heading": f"Series {shown.name}",
        "facts": facts,
        "media": media.items,
        "media_page": Paged(forms.MEDIA_PAGE, media_offset, media.total),
        "ties": forms.tie_rows(tied),
        "ties_caption": "Victims, offenders, locations and cases tied to this series",
        "what": "series",
        "panel": panel,
        "base": base,
        "unassign": f"{base}/media" if panel.changeable else None,
        "actions": _actions(shown, base) if panel.changeable else [],
        "others": [],
        "refusal": refusal,
    }
    status = refusal.status if refusal else 200
    return render(
        request, caller, "pages/records/detail.html", context, section="series", status=status
    )


@router.get("/series/{series_id}", response_class=HTMLResponse)
def series_detail(
    request: Request,
    series_id: RecordId,
    caller: SeriesReader,
    media_offset: Annotated[int, Query(ge=0, le=MAX_ID, alias="offset")] = 0,
) -> HTMLResponse:
    """One series: what is known, its media, links, history and sharing; 404 when hidden."""
    return series_page(request, caller, series_id, media_offset)


def _after(
    request: Request, caller: Principal, series_id: int, refusal: Refusal | None
) -> Response:
    if refusal is not None:
        return series_page(request, caller, series_id, refusal=refusal)
    return back_to(f"/series/{series_id}")


@router.post("/series/{series_id}/edit", response_class=HTMLResponse)
def edit_series(
    request: Request,
    series_id: RecordId,
    caller: SeriesWriter,
    description: Annotated[str, Form(max_length=domain.DESCRIPTION_LIMIT)] = "",
    status: Annotated[SeriesStatus | None, Form()] = None,
) -> Response:
    """Change the series' description and status (its owner only; the status moves forward)."""
    refusal = forms.attempt(
        request,
        "edit",
        lambda session: domain.update_series(
            session,
            caller.viewer,
            series_id,
            description=forms.lines(description) or None,
            status=status,
        ),
    )
    return _after(request, caller, series_id, refusal)


@router.post("/series/{series_id}/media", response_class=HTMLResponse)
def assign_media(
    request: Request,
    series_id: RecordId,
    caller: SeriesWriter,
    media: Annotated[str, Form(max_length=forms.MEDIA_TEXT_MAX)] = "",
) -> Response:
    """Assign the media the lines name (ids or SHA-256s): all of them, or none and the
    first bad line named."""
    viewer = caller.viewer
    refusal = forms.attempt(
        request,
        "media",
        lambda session: links.assign_media(
            session, viewer, series_id, forms.media_ids(session, viewer, media)
        ),
        {"media": media},
    )
    return _after(request, caller, series_id, refusal)


@router.post("/series/{series_id}/media/{media_id}/unassign", response_class=HTMLResponse)
def unassign_media(
    request: Request,
    series_id: RecordId,
    media_id: RecordId,
    caller: Annotated[
        Principal,
        allow(Permission.WRITE, scopes=(), records={**_SERIES, "media_id": PathRecord.MEDIA}),
    ],
) -> Response:
    """Take a media out of the series (its owner only)."""
    refusal = forms.attempt(
        request,
        "media",
        lambda session: links.unassign_media(session, caller.viewer, series_id, media_id),
    )
    return _after(request, caller, series_id, refusal)


@router.post("/series/{series_id}/links", response_class=HTMLResponse)
def link_record(
    request: Request,
    series_id: RecordId,
    caller: SeriesWriter,
    kind: Annotated[RecordType, Form()] = RecordType.VICTIM,
    record: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Tie the series to a victim, offender, location or case the caller may see, named
    as listed or by its number."""
    viewer = caller.viewer
    refusal = forms.attempt(
        request,
        "link",
        lambda session: links.link_record(
            session, viewer, series_id, kind, forms.picked(session, viewer, kind, record)
        ),
        {"kind": kind.value, "record": record},
    )
    return _after(request, caller, series_id, refusal)


@router.post("/series/{series_id}/sharing", response_class=HTMLResponse)
def share_series(
    request: Request,
    series_id: RecordId,
    caller: SeriesWriter,
    level: Annotated[Level, Form()],
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set who besides its owner may see the series (its owner only)."""
    refusal = forms.share(request, caller, RecordType.SERIES, series_id, level, agencies)
    return _after(request, caller, series_id, refusal)
