"""Pages: locations — those the caller may see (by kind), a new one, and one location with
what is known, the media that show it and the series tied to it (each with who tied it
when), its history and sharing; its owner's changes and media tied or untied through
``vigil.cases.locations`` as the API's routes make them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from vigil.cases import locations as domain
from vigil.cases import ties
from vigil.sharing.policy import Permission
from vigil.store.models import Level, Location, LocationKind, RecordType
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

_LOCATION = {"location_id": PathRecord.LOCATION}
LocationReader = Annotated[Principal, allow(Permission.READ, scopes=(), records=_LOCATION)]
LocationWriter = Annotated[Principal, allow(Permission.WRITE, scopes=(), records=_LOCATION)]
Coordinate = Annotated[float | None, Form()]


@router.get("/locations", response_class=HTMLResponse)
def locations_list(
    request: Request,
    caller: Reader,
    page: Annotated[PageRequest, Depends(page_request)],
    kind: str = "",
) -> HTMLResponse:
    """The locations the caller may see, by number (of ``kind``, when given)."""
    wanted = forms.optional_choice("kind", kind, LocationKind)
    with reading(request) as session:
        found = domain.list_locations(session, caller.viewer, wanted, page.limit, page.offset)
    rows = [
        Row(
            f"/locations/{loc.id}",
            (
                f"#{loc.id} {loc.description}",
                loc.kind.value,
                loc.country,
                loc.media_count,
                loc.agency,
                loc.dissemination.value,
            ),
        )
        for loc in found.items
    ]
    return listing_page(
        request,
        caller,
        "locations",
        "Locations",
        ("Location", "Kind", "Country", "Media", "Agency", "Shared with"),
        rows,
        page,
        found.total,
        new=("/locations/new", "New location"),
        filter_by=Filter(
            "kind", "Kind", forms.values(LocationKind), wanted.value if wanted else ""
        ),
    )


def _place(
    description: str, kind: str, country: str, lat: object, lon: object
) -> tuple[Input, ...]:
    return (
        Input("description", "Description", "textarea", description, required=True),
        Input("kind", "Kind", "select", kind, forms.values(LocationKind)),
        Input("country", "Country", value=country, hint="two letters; blank: none"),
        Input("lat", "Latitude", "number", lat, hint="-90 to 90; with the longitude, or neither"),
        Input("lon", "Longitude", "number", lon, hint="-180 to 180"),
    )


def _new_form(
    description: str = "", kind: str = "room", country: str = "", lat: object = "", lon: object = ""
) -> ActionForm:
    inputs = (*_place(description, kind, country, lat, lon), *forms.level_inputs())
    return ActionForm("new", "New location", "/locations", inputs, "Record the location")


@router.get("/locations/new", response_class=HTMLResponse)
def new_location_form(request: Request, caller: Writer) -> HTMLResponse:
    """The form for a new location of the caller's agency."""
    return forms.new_page(request, caller, "locations", _new_form(), None)


@router.post("/locations", response_class=HTMLResponse)
def create_location(
    request: Request,
    caller: Writer,
    description: Annotated[str, Form(max_length=domain.DESCRIPTION_MAX)] = "",
    kind: Annotated[LocationKind, Form()] = LocationKind.ROOM,
    country: Annotated[str, Form(max_length=2)] = "",
    lat: Coordinate = None,
    lon: Coordinate = None,
    level: Annotated[Level, Form()] = Level.OWNER,
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Record a location of the caller's agency; on to its page (the form again when
    refused)."""
    made = forms.attempt_made(
        request,
        "new",
        lambda session: (
            domain.create_location(
                session,
                caller.viewer,
                forms.lines(description),
                kind,
                country=country or None,
                lat=lat,
                lon=lon,
                level=level,
                agencies=forms.agency_codes(agencies),
            ).id
        ),
    )
    if isinstance(made, Refusal):
        form = _new_form(description, kind.value, country, _shown(lat), _shown(lon))
        return forms.new_page(request, caller, "locations", form, made)
    return back_to(f"/locations/{made}")


def _shown(value: float | None) -> object:
    return "" if value is None else value


def _actions(shown: domain.LocationShown, base: str) -> list[ActionForm]:
    place = _place(
        shown.description,
        shown.kind.value,
        shown.country or "",
        _shown(shown.lat),
        _shown(shown.lon),
    )
    media = Input(
        "media", "Media", "textarea", hint="one media id or SHA-256 per line; all, or none", rows=6
    )
    return [
        ActionForm("edit", "What is known", f"{base}/edit", place, "Save"),
        ActionForm("media", "Tie media", f"{base}/media", (media,), "Tie"),
    ]


def location_page(
    request: Request,
    caller: Principal,
    location_id: int,
    media_offset: int = 0,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    """One location's page (with ``refusal`` shown next to its form, when given)."""
    viewer = caller.viewer
    with reading(request) as session:
        shown = domain.location_detail(session, viewer, location_id)
        media = ties.location_media(session, viewer, location_id, forms.MEDIA_PAGE, media_offset)
        series = ties.tied_series(session, viewer, RecordType.LOCATION, location_id)
        owner = session.get_one(Location, location_id).agency_id
        panel = forms.record_panel(session, caller, RecordType.LOCATION, location_id, owner)
    base = f"/locations/{location_id}"
    position = None if shown.lat is None else f"{shown.lat}, {shown.lon}"
    facts = [
        ("Description", shown.description),
        ("Kind", shown.kind.value),
        ("Country", shown.country),
        ("Position", position),
        ("Media", media.total),
        ("Agency", shown.agency),
        ("Recorded", shown.created_at.strftime("%Y-%m-%d %H:%M")),
    ]
    context = {
        "heading": f"Location #{location_id}",
        "facts": facts,
        "ties": forms.tie_rows(series),
        "ties_caption": "Series tied to this location",
        "media": media.items,
        "media_page": Paged(forms.MEDIA_PAGE, media_offset, media.total),
        "what": "location",
        "unassign": f"{base}/media" if panel.changeable else None,
        "panel": panel,
        "base": base,
        "actions": _actions(shown, base) if panel.changeable else [],
        "refusal": refusal,
    }
    status = refusal.status if refusal else 200
    return render(
        request, caller, "pages/records/detail.html", context, section="locations", status=status
    )


@router.get("/locations/{location_id}", response_class=HTMLResponse)
def location_detail(
    request: Request,
    location_id: RecordId,
    caller: LocationReader,
    media_offset: Annotated[int, Query(ge=0, le=MAX_ID, alias="offset")] = 0,
) -> HTMLResponse:
    """One location: what is known, its media and series, history and sharing; 404 when
    hidden."""
    return location_page(request, caller, location_id, media_offset)


def _change(
    request: Request,
    caller: Principal,
    location_id: int,
    form: str,
    change: Callable[[Session], object],
    typed: dict[str, str] | None = None,
) -> Response:
    refusal = forms.attempt(request, form, change, typed)
    if refusal is not None:
        return location_page(request, caller, location_id, refusal=refusal)
    return back_to(f"/locations/{location_id}")


@router.post("/locations/{location_id}/edit", response_class=HTMLResponse)
def edit_location(
    request: Request,
    location_id: RecordId,
    caller: LocationWriter,
    description: Annotated[str | None, Form(max_length=domain.DESCRIPTION_MAX)] = None,
    kind: Annotated[LocationKind | None, Form()] = None,
    country: Annotated[str, Form(max_length=2)] = "",
    lat: Coordinate = None,
    lon: Coordinate = None,
) -> Response:
    """Change the location (its owner only): the form shows it whole, so a blank country
    or position clears it."""
    return _change(
        request,
        caller,
        location_id,
        "edit",
        lambda session: domain.update_location(
            session,
            caller.viewer,
            location_id,
            description=None if description is None else forms.lines(description),
            kind=kind,
            country=country,
            position=(lat, lon),
        ),
    )


@router.post("/locations/{location_id}/media", response_class=HTMLResponse)
def tie_media(
    request: Request,
    location_id: RecordId,
    caller: LocationWriter,
    media: Annotated[str, Form(max_length=forms.MEDIA_TEXT_MAX)] = "",
) -> Response:
    """Tie the media the lines name (ids or SHA-256s) to the location: all of them, or
    none and the first bad line named."""
    viewer = caller.viewer
    return _change(
        request,
        caller,
        location_id,
        "media",
        lambda session: domain.link_media(
            session, viewer, location_id, forms.media_ids(session, viewer, media)
        ),
        {"media": media},
    )


@router.post("/locations/{location_id}/media/{media_id}/unassign", response_class=HTMLResponse)
def untie_media(
    request: Request,
    location_id: RecordId,
    media_id: RecordId,
    caller: Annotated[
        Principal,
        allow(Permission.WRITE, scopes=(), records={**_LOCATION, "media_id": PathRecord.MEDIA}),
    ],
) -> Response:
    """Untie a media from the location (its owner only)."""
    return _change(
        request,
        caller,
        location_id,
        "media",
        lambda session: domain.unlink_media(session, caller.viewer, location_id, [media_id]),
    )


@router.post("/locations/{location_id}/sharing", response_class=HTMLResponse)
def share_location(
    request: Request,
    location_id: RecordId,
    caller: LocationWriter,
    level: Annotated[Level, Form()],
    agencies: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Set who besides its owner may see the location (its owner only)."""
    refusal = forms.share(request, caller, RecordType.LOCATION, location_id, level, agencies)
    if refusal is not None:
        return location_page(request, caller, location_id, refusal=refusal)
    return back_to(f"/locations/{location_id}")
