"""Agencies of the network: the central unit, NCBs, specialised units and partners."""

from __future__ import annotations

import re

from iso3166 import countries_by_alpha2
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.actor import Actor, local_actor
from vigil.sharing.audit import Action, record
from vigil.sharing.errors import AccountError
from vigil.store.models import Agency, AgencyKind
from vigil.store.repo import DEFAULT_AGENCY_CODE, default_agency

_CODE = re.compile(r"[A-Z0-9][A-Z0-9_.-]{0,31}")
NAME_MAX = 200
CONTACT_MAX = 2000
# An NCB is a country's bureau and a specialised unit a country's police: both have one.
# The central unit and some partners (an international NGO) belong to no country.
COUNTRY_REQUIRED = frozenset({AgencyKind.NCB, AgencyKind.SPECIALISED_UNIT})


def parse_kind(value: str) -> AgencyKind:
    """The agency kind called ``value`` (e.g. ``ncb``), or an AccountError naming the choices."""
    try:
        return AgencyKind(value.strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        choices = ", ".join(kind.value for kind in AgencyKind)
        raise AccountError(f"kind: {value!r} is not an agency kind (choose {choices})") from None


def parse_country(value: str) -> str:
    """``value`` as an ISO 3166-1 alpha-2 code (upper case), or an AccountError."""
    code = value.strip().upper()
    if code not in countries_by_alpha2:
        raise AccountError(
            f"country: {value!r} is not an ISO 3166-1 alpha-2 country code (e.g. FR, BR, PH)"
        )
    return code


def country_name(code: str | None) -> str | None:
    """The English short name of an ISO 3166-1 alpha-2 code, None when there is none."""
    country = countries_by_alpha2.get(code) if code else None
    return country.name if country else None


def parse_code(value: str) -> str:
    """An agency code as stored: upper case, 1-32 letters, digits, ``_``, ``.`` or ``-``."""
    code = value.strip().upper()
    if not _CODE.fullmatch(code):
        raise AccountError(
            f"code: {value!r} is not an agency code (1-32 letters, digits, _ . -; e.g. NCB-FR)"
        )
    return code


def _clean_name(value: str) -> str:
    name = value.strip()
    if not name:
        raise AccountError("name: empty; give the agency's name")
    if len(name) > NAME_MAX:
        raise AccountError(f"name: {len(name)} characters, at most {NAME_MAX} allowed")
    return name


def _clean_contact(value: str) -> str | None:
    contact = value.strip()
    if len(contact) > CONTACT_MAX:
        raise AccountError(f"contact: {len(contact)} characters, at most {CONTACT_MAX} allowed")
    return contact or None


def agency_object(code: str) -> str:
    """How audit events name an agency: ``agency:CODE``."""
    return f"agency:{code}"


def find_agency(session: Session, code: str) -> Agency:
    """The agency with this code (any case), or an AccountError listing the codes that exist.

    The local agency always exists: it is created the first time it is asked for.
    """
    wanted = code.strip().upper()
    if wanted == DEFAULT_AGENCY_CODE:
        return default_agency(session)
    agency = session.scalar(select(Agency).where(Agency.code == wanted))
    if agency is None:
        known = ", ".join(session.scalars(select(Agency.code).order_by(Agency.code)))
        raise AccountError(f"agency: no agency {code!r} (agencies: {known or 'none yet'})")
    return agency


def list_agencies(session: Session) -> list[Agency]:
    """Every agency, by code."""
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def _check(
    session: Session, code: str, kind: AgencyKind, country: str | None, agency_id: int | None
) -> None:
    """Refuse an agency whose fields would not fit together (before anything is changed)."""
    if kind in COUNTRY_REQUIRED and country is None:
        raise AccountError(
            f"country: agency {code} is a {kind.value} and needs a country "
            "(--country, an ISO 3166-1 alpha-2 code)"
        )
    if kind is AgencyKind.NCB:
        # The NCB is the country's single point of contact: referrals are addressed to it.
        query = select(Agency.code).where(
            Agency.kind == AgencyKind.NCB.value, Agency.country == country
        )
        if agency_id is not None:
            query = query.where(Agency.id != agency_id)
        other = session.scalar(query)
        if other is not None:
            raise AccountError(
                f"country: {country} already has an NCB ({other}); a country has one NCB"
            )


def create_agency(
    session: Session,
    code: str,
    name: str,
    kind: AgencyKind,
    country: str | None = None,
    contact: str | None = None,
    actor: Actor | None = None,
) -> Agency:
    """Add an agency. AccountError when a field is refused or the code is taken.

    Recorded in the audit trail as done by ``actor`` (default: the person at the terminal).
    """
    code = parse_code(code)
    if session.scalar(select(Agency.id).where(Agency.code == code)) is not None:
        raise AccountError(f"code: agency {code} already exists (vigil agency update changes it)")
    agency = Agency(
        code=code,
        name=_clean_name(name),
        kind=kind.value,
        country=parse_country(country) if country is not None else None,
        contact=_clean_contact(contact) if contact is not None else None,
    )
    _check(session, code, kind, agency.country, None)
    session.add(agency)
    session.flush()
    details = {"name": agency.name, "kind": agency.kind, "country": agency.country}
    record(session, Action.AGENCY_CREATE, agency_object(code), details, actor or local_actor())
    return agency


def update_agency(
    session: Session,
    code: str,
    *,
    name: str | None = None,
    kind: AgencyKind | None = None,
    country: str | None = None,
    contact: str | None = None,
    actor: Actor | None = None,
) -> Agency:
    """Change the fields given (None leaves a field as it is; an empty contact clears it).

    Every value is checked before any is changed: a refusal leaves the agency as it was.
    """
    agency = find_agency(session, code)
    new_name = _clean_name(name) if name is not None else agency.name
    new_kind = kind if kind is not None else AgencyKind(agency.kind)
    new_country = parse_country(country) if country is not None else agency.country
    new_contact = _clean_contact(contact) if contact is not None else agency.contact
    _check(session, agency.code, new_kind, new_country, agency.id)
    before = (agency.name, agency.kind, agency.country, agency.contact)
    after = (new_name, new_kind.value, new_country, new_contact)
    changed = {
        field: new
        for field, old, new in zip(
            ("name", "kind", "country", "contact"), before, after, strict=True
        )
        if old != new
    }
    agency.name, agency.kind, agency.country, agency.contact = after
    session.flush()
    if changed:
        record(
            session,
            Action.AGENCY_CHANGE,
            agency_object(agency.code),
            changed,
            actor or local_actor(),
        )
    return agency
