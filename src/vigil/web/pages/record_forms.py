"""What the pages of series, victims, offenders, locations, missing-child reports and cases
share: trying a form's change (a refusal is shown on the page, next to its form), reading
what users type (media lines, a record picked by name or number, agency codes), the panel
every record's page has (history, sharing, who may change it) and the redirect after a
change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from vigil.cases import fields, links, names, ties
from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.cases.history import Change, history_of
from vigil.cases.ties import MediaTie, Tie
from vigil.sharing.dissemination import DisseminationError, Sharing, set_level, sharing_of
from vigil.sharing.policy import NotVisibleError, Permission, Viewer, owns
from vigil.sharing.records import find_case
from vigil.store.models import Level, RecordType
from vigil.store.repo import NotFoundError
from vigil.web.auth import Principal
from vigil.web.deps import writing
from vigil.web.pages.record_links import RecordLink, record_link
from vigil.web.pages.render import render
from vigil.web.routes.params import MAX_ID
from vigil.web.routes.refusals import refused
from vigil.web.rules import allow

#: Previews of a record's media shown at once.
MEDIA_PAGE = 60
#: Previews of each series' media shown on the page of a record tied to it.
SERIES_MEDIA = 12
#: The longest text a media form takes (10,000 SHA-256 lines and their line breaks).
MEDIA_TEXT_MAX = 700_000

Choice = TypeVar("Choice", bound=StrEnum)

#: The caller of a listing page: a browser session that may read.
Reader = Annotated[Principal, allow(Permission.READ, scopes=())]
#: The caller of a new record's form and its post: a browser session that may write.
Writer = Annotated[Principal, allow(Permission.WRITE, scopes=())]

#: The records a form may name (:func:`picked`).
PICKABLE = (
    RecordType.SERIES,
    RecordType.VICTIM,
    RecordType.OFFENDER,
    RecordType.LOCATION,
    RecordType.CASE,
)


@dataclass(frozen=True)
class Refusal:
    """Why a form's change was refused: the form (as the page names it), the domain's
    message, and the status the page is answered with."""

    form: str
    message: str
    status: int
    #: What was typed into the form, shown in it again to be corrected.
    typed: Mapping[str, str] = field(default_factory=dict)


def attempt(
    request: Request,
    form: str,
    change: Callable[[Session], object],
    typed: Mapping[str, str] | None = None,
) -> Refusal | None:
    """Make ``change`` in one transaction; the refusal of bad input or a step the workflow
    does not allow (with what was ``typed``), None when it was made. A hidden record (404)
    or a change that is not the caller's to make (403) is raised on, and answered as such."""
    try:
        with writing(request) as session:
            change(session)
    except WorkflowError as exc:
        return Refusal(form, str(exc), 409, typed or {})
    except (IdentificationError, DisseminationError, NotVisibleError) as exc:
        # A record named in the form that the caller may not see is bad input here; the
        # page's own record, when hidden, is refused again (404) by the page shown next.
        return Refusal(form, str(exc), 422, typed or {})
    return None


def attempt_made(request: Request, form: str, make: Callable[[Session], int]) -> int | Refusal:
    """:func:`attempt` for a new record: its id, or the refusal."""
    made: list[int] = []
    refusal = attempt(request, form, lambda session: made.append(make(session)))
    return refusal if refusal is not None else made[0]


def new_page(
    request: Request, caller: Principal, section: str, form: ActionForm, refusal: Refusal | None
) -> HTMLResponse:
    """The page of a new record's form (``refusal`` shown on it, when given)."""
    context = {"form": form, "refusal": refusal, "back": f"/{section}"}
    status = refusal.status if refusal else 200
    return render(
        request, caller, "pages/records/new.html", context, section=section, status=status
    )


def optional_choice(field: str, value: str, kind: type[Choice]) -> Choice | None:
    """A filter's value as a member of ``kind``; None when blank; 422 naming the choices."""
    if not value.strip():
        return None
    with refused(422, IdentificationError):
        return fields.choice(field, value, kind)


def media_ids(session: Session, viewer: Viewer, text: str) -> list[int]:
    """The media the lines of ``text`` name (ids or SHA-256s, blank lines skipped), each
    visible to the viewer; IdentificationError naming the first bad line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append(links.media_id_of(session, viewer, line))
        except (IdentificationError, NotVisibleError) as exc:
            raise IdentificationError(f"media, line {number}: {exc}") from None
    return found


def picked(session: Session, viewer: Viewer, kind: RecordType, text: str) -> int:
    """The id of the record of ``kind`` that ``text`` names: ``#12`` (its number), or its
    name, label or reference as listings show it (``CODE/NAME`` for another agency's).
    NotVisibleError when the viewer may see none; IdentificationError for blank text."""
    wanted = text.strip()
    if kind not in PICKABLE:
        choices = ", ".join(pickable.value for pickable in PICKABLE)
        raise IdentificationError(f"kind: {kind.value!r} is not one of {choices}")
    if not wanted:
        raise IdentificationError(f"{kind.value}: give its name or its number (#12)")
    number = wanted.removeprefix("#")
    if wanted.startswith("#") and number.isdecimal():
        if int(number) > MAX_ID:
            raise NotVisibleError(f"no {kind.value} with id {number}")
        return int(number)
    if kind is RecordType.LOCATION:
        return names.find_location(session, viewer, wanted).id
    if kind is RecordType.CASE:
        try:
            return find_case(session, viewer, wanted).id
        except NotFoundError as exc:
            raise IdentificationError(f"case: {exc}") from None
    found: Any = names.find_named(session, viewer, kind, wanted)
    return int(found.id)


def lines(text: str) -> str:
    """Text from a textarea with its line breaks as the domain keeps them: browsers send
    them as CR LF, and a CR is a control character the domain refuses."""
    return text.replace("\r\n", "\n")


def agency_codes(text: str) -> list[str]:
    """Agency codes typed with commas or spaces between them."""
    return [code.upper() for code in text.replace(",", " ").split()]


def share(
    request: Request, caller: Principal, kind: RecordType, record_id: int, level: Level, text: str
) -> Refusal | None:
    """Set who besides its owner may see the record (``sharing.dissemination``)."""
    codes = agency_codes(text)
    return attempt(
        request,
        "sharing",
        lambda session: set_level(session, caller.viewer, kind, record_id, level, codes),
    )


InputKind = Literal["text", "textarea", "select", "date", "number"]


@dataclass(frozen=True)
class Input:
    """One field of a form: its name, label, kind, current value and choices (a select)."""

    name: str
    label: str
    kind: InputKind = "text"
    value: object = ""
    choices: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""
    rows: int = 4


@dataclass(frozen=True)
class ActionForm:
    """A form of a record's page: ``name`` ties a refusal to it, ``url`` is where it posts."""

    name: str
    title: str
    url: str
    inputs: tuple[Input, ...]
    button: str


def values(kind: type[StrEnum]) -> tuple[str, ...]:
    """The choices of a select: the members of ``kind``."""
    return tuple(member.value for member in kind)


def level_inputs(default: Level = Level.OWNER) -> tuple[Input, ...]:
    """Who may see a new record: its level (``default`` first chosen), and the agencies for
    level named."""
    return (
        Input("level", "Shared with", "select", default.value, values(Level)),
        Input("agencies", "Agencies", hint="codes, for level named (e.g. NCB-BR NCB-DE)"),
    )


@dataclass(frozen=True)
class HistoryRow:
    """One history entry as a page shows it: what changed, said in short lines."""

    at: datetime
    action: str
    lines: list[str]
    by: str
    agency: str


def _said(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


def detail_lines(detail: Mapping[str, Any]) -> list[str]:
    """A history entry's detail in short lines: ``field: old → new`` for a change."""
    lines = []
    for name, value in detail.items():
        if isinstance(value, Mapping) and {"from", "to"} <= set(value):
            lines.append(f"{name}: {_said(value['from'])} → {_said(value['to'])}")
        else:
            lines.append(f"{name}: {_said(value)}")
    return lines


def history_rows(changes: list[Change]) -> list[HistoryRow]:
    """A record's history as its page shows it, newest first."""
    return [
        HistoryRow(
            change.at, change.action, detail_lines(change.detail), change.by_user, change.agency
        )
        for change in reversed(changes)
    ]


@dataclass(frozen=True)
class TieRow:
    """A link of the record as a page shows it: the other record's page, and who tied it
    when (the link's evidence)."""

    link: RecordLink
    by: str
    at: datetime


def tie_rows(found: list[Tie]) -> list[TieRow]:
    """The record's links as its page shows them."""
    return [TieRow(record_link(tie.kind, tie.id, tie.name), tie.by, tie.at) for tie in found]


@dataclass(frozen=True)
class SeriesMediaRow:
    """The first media of one series tied to a record, shown on that record's page."""

    series: TieRow
    media: list[MediaTie]
    total: int


def media_of_series(session: Session, viewer: Viewer, found: list[Tie]) -> list[SeriesMediaRow]:
    """The first :data:`SERIES_MEDIA` media of each series in ``found`` that the viewer may
    see (a victim's or an offender's media are those of its series)."""
    rows = []
    for tie in found:
        listed = ties.series_media(session, viewer, tie.id, SERIES_MEDIA, 0)
        rows.append(SeriesMediaRow(tie_rows([tie])[0], listed.items, listed.total))
    return rows


@dataclass(frozen=True)
class RecordPanel:
    """What every record's page shows besides its own facts: its history, who may see it,
    whether the caller may change it, and the way to refer it."""

    history: list[HistoryRow]
    sharing: Sharing
    #: The caller's agency owns the record and the caller may write: its forms are shown.
    changeable: bool
    refer_url: str | None
    levels: tuple[Level, ...] = tuple(Level)


def record_panel(
    session: Session, caller: Principal, kind: RecordType, record_id: int, owner_agency_id: int
) -> RecordPanel:
    """The panel of the record of ``kind`` and ``record_id`` (owned by ``owner_agency_id``)."""
    viewer = caller.viewer
    refer = (
        f"/referrals/new?record_type={kind.value}&record_id={record_id}"
        if viewer.can(Permission.REFER)
        else None
    )
    return RecordPanel(
        history=history_rows(history_of(session, viewer, kind, record_id)),
        sharing=sharing_of(session, viewer, kind, record_id),
        changeable=viewer.can(Permission.WRITE) and owns(viewer, owner_agency_id),
        refer_url=refer,
    )
