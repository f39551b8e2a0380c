"""Pages: administration — the agencies of the network (adding one is the central unit's,
changing one its own admins' or the central unit's), with links to users, tokens, sharing
levels and the audit log.

The rules are the API's (``vigil.web.routes.accounts``): the same domain functions and the
same checks of who administers which agency.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from vigil.sharing import agencies
from vigil.sharing.errors import AccountError
from vigil.sharing.policy import Permission, oversees_network
from vigil.store.models import Agency, AgencyKind
from vigil.web.auth import Principal
from vigil.web.deps import reading, writing
from vigil.web.pages.form_errors import field_error
from vigil.web.pages.render import back_to, render
from vigil.web.routes.accounts import administered_agency
from vigil.web.rules import PathRecord, allow

router = APIRouter(tags=["pages"], include_in_schema=False)

SECTION = "admin"
_CODE = {"code": PathRecord.AGENCY}
_EMPTY_AGENCY = {"code": "", "name": "", "kind": AgencyKind.NCB.value, "country": "", "contact": ""}


def _agency_values(agency: Agency) -> dict[str, str]:
    return {
        "code": agency.code,
        "name": agency.name,
        "kind": agency.kind,
        "country": agency.country or "",
        "contact": agency.contact or "",
    }


def _index(
    request: Request,
    caller: Principal,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    with reading(request) as session:
        listed = [_agency_values(agency) for agency in agencies.list_agencies(session)]
    context = {
        "agencies": listed,
        "kinds": list(AgencyKind),
        "may_add": oversees_network(caller.viewer),
        "values": values or _EMPTY_AGENCY,
        "errors": errors or {},
    }
    status = 422 if errors else 200
    return render(
        request, caller, "pages/admin/index.html", context, section=SECTION, status=status
    )


@router.get("/admin")
def admin_home(
    request: Request, caller: Annotated[Principal, allow(Permission.ADMINISTER, scopes=())]
) -> HTMLResponse:
    """The agencies of the network, and the way to users, tokens, sharing and the audit log."""
    return _index(request, caller)


@router.post("/admin/agencies")
def add_agency(
    request: Request,
    caller: Annotated[Principal, allow(Permission.ADMINISTER, scopes=(), network_wide=True)],
    code: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    country: Annotated[str, Form(max_length=8)] = "",
    contact: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Add an agency (the central unit's admins); the form again with the refusal."""
    values = {"code": code, "name": name, "kind": kind, "country": country, "contact": contact}
    try:
        with writing(request) as session:
            made = agencies.create_agency(
                session,
                code,
                name,
                agencies.parse_kind(kind),
                country.strip() or None,
                contact,
                caller.actor,
            )
            made_code = made.code
    except AccountError as exc:
        return _index(request, caller, values, field_error(exc, "code"))
    return back_to(f"/admin/agencies/{made_code}")


def _agency_page(
    request: Request,
    caller: Principal,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    context = {"values": values, "kinds": list(AgencyKind), "errors": errors or {}}
    status = 422 if errors else 200
    return render(
        request, caller, "pages/admin/agency.html", context, section=SECTION, status=status
    )


@router.get("/admin/agencies/{code}")
def agency_page(
    request: Request,
    code: str,
    caller: Annotated[Principal, allow(Permission.ADMINISTER, scopes=(), records=_CODE)],
) -> HTMLResponse:
    """An agency the caller administers, with the form to change it."""
    with reading(request) as session:
        values = _agency_values(administered_agency(session, caller.viewer, code))
    return _agency_page(request, caller, values)


@router.post("/admin/agencies/{code}")
def change_agency(
    request: Request,
    code: str,
    caller: Annotated[Principal, allow(Permission.ADMINISTER, scopes=(), records=_CODE)],
    name: Annotated[str, Form(max_length=400)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    country: Annotated[str, Form(max_length=8)] = "",
    contact: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Change an agency the caller administers (an empty contact clears it)."""
    values = {"code": code, "name": name, "kind": kind, "country": country, "contact": contact}
    with reading(request) as session:
        values["code"] = administered_agency(session, caller.viewer, code).code
    try:
        with writing(request) as session:
            agencies.update_agency(
                session,
                values["code"],
                name=name,
                kind=agencies.parse_kind(kind),
                country=country.strip() or None,
                contact=contact,
                actor=caller.actor,
            )
    except AccountError as exc:
        return _agency_page(request, caller, values, field_error(exc, "name"))
    return back_to(f"/admin/agencies/{values['code']}")
