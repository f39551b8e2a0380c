"""Pages: media previews (blurred by default, clear on an audited reveal) and exposure.

``GET /media/ID/preview`` answers the blurred greyscale JPEG, or a plain grey placeholder
(``X-Vigil-Preview: pending``) while the preview pass has not made it; ``POST
/media/ID/reveal`` the clear one, audited and counted. Media the caller may not see are 404
on both. ``/api/me/exposure`` takes the heartbeat of media pages and gives the caller's last
days; ``/me/exposure`` shows them, and to a supervisor the agency's days in aggregate.
"""

from __future__ import annotations

import functools
import io
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from PIL import Image
from pydantic import BaseModel, Field

from vigil.previews.exposure import (
    MAX_HEARTBEAT_SECONDS,
    SHOWN_DAYS,
    MyDay,
    add_seconds,
    agency_days,
    my_days,
)
from vigil.previews.making import vault_of
from vigil.previews.shown import PreviewNotMadeError, blurred_preview, reveal_preview
from vigil.previews.vault import PreviewVault
from vigil.sharing.policy import Permission
from vigil.web.auth import Principal
from vigil.web.deps import now, reading, store_of, writing
from vigil.web.errors import ApiError
from vigil.web.pages.render import render
from vigil.web.routes.params import RecordId
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

#: The header that marks the placeholder answered while a media's preview is not made.
PENDING_HEADER = "X-Vigil-Preview"
_JPEG = "image/jpeg"
_PLACEHOLDER_SIZE = (256, 192)
_PLACEHOLDER_GREY = 200

MediaCaller = Annotated[
    Principal,
    allow(Permission.READ, scopes=(), records={"media_id": PathRecord.MEDIA}),
]
BrowserCaller = Annotated[Principal, allow(Permission.READ, scopes=())]


class Heartbeat(BaseModel):
    """Seconds just spent on a page that shows media."""

    seconds: int = Field(ge=1, le=MAX_HEARTBEAT_SECONDS, strict=True)


class DayOut(BaseModel):
    """One of the caller's days (UTC): previews revealed, seconds on media pages."""

    day: str
    reveals: int
    seconds: int


class ExposureOut(BaseModel):
    """The caller's days with counts among the last ``SHOWN_DAYS``, newest first."""

    days: list[DayOut]


@functools.cache
def placeholder() -> bytes:
    """A plain light-grey JPEG: shows where a preview will be, and nothing else."""
    buffer = io.BytesIO()
    Image.new("L", _PLACEHOLDER_SIZE, _PLACEHOLDER_GREY).save(buffer, format="JPEG")
    return buffer.getvalue()


def _vault(request: Request) -> PreviewVault:
    """The app's preview vault, opened (its key read) on first use."""
    vault: PreviewVault | None = getattr(request.app.state, "preview_vault", None)
    if vault is None:
        vault = vault_of(store_of(request))
        request.app.state.preview_vault = vault
    return vault


def _days_out(days: list[MyDay]) -> ExposureOut:
    return ExposureOut(
        days=[DayOut(day=d.day.isoformat(), reveals=d.reveals, seconds=d.seconds) for d in days]
    )


@router.get("/media/{media_id}/preview")
def preview(request: Request, media_id: RecordId, caller: MediaCaller) -> Response:
    """The media's blurred greyscale preview, or the placeholder while none is made."""
    with reading(request) as session:
        blurred = blurred_preview(session, caller.viewer, _vault(request), media_id)
    if blurred is None:
        return Response(placeholder(), media_type=_JPEG, headers={PENDING_HEADER: "pending"})
    return Response(blurred, media_type=_JPEG)


@router.post("/media/{media_id}/reveal")
def reveal(request: Request, media_id: RecordId, caller: MediaCaller) -> Response:
    """The media's clear preview, for this view only: audited, and counted as exposure."""
    try:
        with writing(request) as session:
            clear = reveal_preview(
                session,
                caller.viewer,
                _vault(request),
                user_id=caller.user_id,
                media_id=media_id,
                day=now(request).date(),
            )
    except PreviewNotMadeError as exc:
        raise ApiError(409, str(exc)) from None
    return Response(clear, media_type=_JPEG)


@router.post("/api/me/exposure")
def heartbeat(request: Request, body: Heartbeat, caller: BrowserCaller) -> ExposureOut:
    """Add seconds spent on a media page to the caller's day; answers their days."""
    today = now(request).date()
    with writing(request) as session:
        add_seconds(session, caller.viewer, caller.user_id, today, body.seconds)
        return _days_out(my_days(session, caller.user_id, today))


@router.get("/api/me/exposure")
def my_exposure(request: Request, caller: BrowserCaller) -> ExposureOut:
    """The caller's days (reveals, seconds on media pages) among the last 30."""
    with reading(request) as session:
        return _days_out(my_days(session, caller.user_id, now(request).date()))


@router.get("/me/exposure", response_class=HTMLResponse)
def exposure_page(request: Request, caller: BrowserCaller) -> HTMLResponse:
    """My exposure, day by day; for a supervisor, the agency's too, without names."""
    today = now(request).date()
    with reading(request) as session:
        mine = my_days(session, caller.user_id, today)
        aggregate = (
            agency_days(session, caller.viewer, today)
            if caller.viewer.can(Permission.SUPERVISE)
            else None
        )
    context = {"mine": mine, "aggregate": aggregate, "shown_days": SHOWN_DAYS}
    return render(request, caller, "pages/previews/exposure.html", context)
