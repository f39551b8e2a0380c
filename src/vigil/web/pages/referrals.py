"""Pages: referrals — the inbox and outbox with their due times, one referral with the records
it points at and the recipient's acts, and composing a referral from any record.

Every read and act calls :mod:`vigil.sharing.referrals`, as the API routes do: a referral
between other agencies is answered as one that does not exist, and only its recipient acts.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vigil.sharing import agencies, referrals
from vigil.sharing.dissemination import SHAREABLE, sharing_of
from vigil.sharing.errors import AccountError
from vigil.sharing.policy import ForbiddenError, NotVisibleError, Permission, check_recipient
from vigil.sharing.referral_terms import ReferralError, parse_priority
from vigil.store.models import AgencyKind, Priority, RecordType, Referral, ReferralStatus
from vigil.web.auth import Principal
from vigil.web.deps import now, reading, writing
from vigil.web.pages.referral_views import ReferralView, in_order, parse_records, view_of
from vigil.web.pages.render import back_to, render
from vigil.web.routes.refusals import field_in, refused
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

_REFERENCE = {"reference": PathRecord.REFERRAL}
_SECTION = "referrals"


def _view(request: Request, session: Session, referral: Referral) -> ReferralView:
    return view_of(referrals.referral_json(referral, session, now(request)))


@router.get("/referrals")
def referral_list(
    request: Request,
    caller: Annotated[Principal, allow(Permission.READ, scopes=())],
    box: Annotated[Literal["in", "out"], Query(description="Received, or sent.")] = "in",
    status: ReferralStatus | None = None,
) -> HTMLResponse:
    """The agency's inbox (or outbox), open referrals first, urgent first; for supervisors,
    the referrals overdue for acknowledgement too."""
    listing = referrals.inbox if box == "in" else referrals.outbox
    with reading(request) as session:
        found = [_view(request, session, r) for r in listing(session, caller.viewer)]
        late = (
            [
                _view(request, session, r)
                for r in referrals.overdue(session, caller.viewer, now(request))
            ]
            if caller.viewer.can(Permission.SUPERVISE)
            else None
        )
    shown = [view for view in found if status is None or view.status is status]
    context = {
        "box": box,
        "status": status,
        "statuses": list(ReferralStatus),
        "referrals": in_order(shown),
        "overdue": late,
    }
    return render(request, caller, "pages/referrals/list.html", context, section=_SECTION)


def _police_agencies(session: Session) -> list[tuple[str, str]]:
    """(code, name) of the agencies a referral may go to: partners receive none."""
    return [
        (agency.code, agency.name)
        for agency in agencies.list_agencies(session)
        if agency.kind != AgencyKind.PARTNER.value
    ]


def _compose(
    request: Request,
    caller: Principal,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    with reading(request) as session:
        choices = _police_agencies(session)
    context = {
        "agencies": choices,
        "priorities": list(Priority),
        "values": values,
        "errors": errors or {},
    }
    return render(
        request,
        caller,
        "pages/referrals/new.html",
        context,
        section=_SECTION,
        status=422 if errors else 200,
    )


@router.get("/referrals/new")
def compose(
    request: Request,
    caller: Annotated[Principal, allow(Permission.REFER, scopes=())],
    record_type: Annotated[str | None, Query(max_length=32)] = None,
    record_id: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """The form to refer records to another agency, the record a page linked from named."""
    named = f"{record_type}:{record_id}" if record_type and record_id else ""
    values = {
        "to": "",
        "priority": Priority.ROUTINE.value,
        "subject": "",
        "body": "",
        "records": named,
    }
    return _compose(request, caller, values)


#: The form field each refusal of sending a referral is about, when its message does not say.
_FIELDS = {"agency": "to", "records": "records"}


@router.post("/referrals")
def send(
    request: Request,
    caller: Annotated[Principal, allow(Permission.REFER, scopes=())],
    to: Annotated[str, Form(max_length=32)] = "",
    priority: Annotated[str, Form(max_length=32)] = "",
    subject: Annotated[str, Form(max_length=1000)] = "",
    body: Annotated[str, Form(max_length=40_000)] = "",
    records: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """Send the referral and show it; the form again, with the refusal by its field, if
    the domain refuses it."""
    values = {"to": to, "priority": priority, "subject": subject, "body": body, "records": records}
    try:
        with writing(request) as session:
            referral = referrals.send_referral(
                session,
                caller.viewer,
                to,
                parse_priority(priority),
                subject,
                body,
                parse_records(records),
                now=now(request),
            )
            reference = referral.reference
    except (ReferralError, AccountError) as exc:
        message = str(exc)
        field = field_in(message) or "records"
        return _compose(request, caller, values, {_FIELDS.get(field, field): message})
    except ForbiddenError as exc:
        return _compose(request, caller, values, {"to": str(exc)})
    except NotVisibleError as exc:
        return _compose(request, caller, values, {"records": str(exc)})
    return back_to(f"/referrals/{reference}")


def _record_names(
    session: Session, caller: Principal, records: list[tuple[RecordType, int]]
) -> dict[tuple[RecordType, int], str]:
    """The names of the referral's records the caller may see and that have one (media and
    matches are called by their id)."""
    names: dict[tuple[RecordType, int], str] = {}
    for kind, ident in records:
        if kind in SHAREABLE:
            try:
                names[kind, ident] = sharing_of(session, caller.viewer, kind, ident).name
            except NotVisibleError:
                continue
    return names


def _is_recipient(caller: Principal, referral: Referral) -> bool:
    """Whether the caller's agency is the one the referral is addressed to (the policy says)."""
    try:
        check_recipient(caller.viewer, referral.to_agency_id, "the referral")
    except ForbiddenError:
        return False
    return True


@router.get("/referrals/{reference}")
def referral_page(
    request: Request,
    reference: str,
    caller: Annotated[Principal, allow(Permission.READ, scopes=(), records=_REFERENCE)],
) -> HTMLResponse:
    """One referral the agency sent or received: the records it points at, its history, and
    the recipient's next acts."""
    with reading(request) as session:
        referral = referrals.find_referral(session, caller.viewer, reference)
        document = referrals.referral_json(referral, session, now(request))
        shown = view_of(
            document, _record_names(session, caller, referrals.referral_records(session, referral))
        )
        acts = (
            referrals.next_statuses(referral)
            if _is_recipient(caller, referral) and caller.viewer.can(Permission.REFER)
            else []
        )
    context = {"referral": shown, "acts": acts, "statuses": ReferralStatus}
    return render(request, caller, "pages/referrals/show.html", context, section=_SECTION)


def _back(reference: str) -> RedirectResponse:
    return back_to(f"/referrals/{reference.strip().upper()}")


@router.post("/referrals/{reference}/acknowledge")
def acknowledge(
    request: Request,
    reference: str,
    caller: Annotated[Principal, allow(Permission.REFER, scopes=(), records=_REFERENCE)],
) -> RedirectResponse:
    """The recipient has read the referral."""
    with writing(request) as session, refused(409, referrals.ReferralStateError, field="status"):
        referrals.acknowledge_referral(session, caller.viewer, reference, now(request))
    return _back(reference)


@router.post("/referrals/{reference}/progress")
def progress(
    request: Request,
    reference: str,
    caller: Annotated[Principal, allow(Permission.REFER, scopes=(), records=_REFERENCE)],
) -> RedirectResponse:
    """The recipient is working on the referral."""
    with writing(request) as session, refused(409, referrals.ReferralStateError, field="status"):
        referrals.progress_referral(session, caller.viewer, reference, now(request))
    return _back(reference)


@router.post("/referrals/{reference}/close")
def close(
    request: Request,
    reference: str,
    caller: Annotated[Principal, allow(Permission.REFER, scopes=(), records=_REFERENCE)],
    outcome: Annotated[str, Form(max_length=4000)] = "",
) -> RedirectResponse:
    """The recipient closes the referral with its outcome (e.g. "child rescued")."""
    with (
        writing(request) as session,
        refused(409, referrals.ReferralStateError, field="status"),
        refused(422, ReferralError, field="outcome"),
    ):
        referrals.close_referral(session, caller.viewer, reference, outcome, now(request))
    return _back(reference)
