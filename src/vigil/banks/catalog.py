"""Banks: creating, listing, describing and deleting named lists of known hashes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.banks.staging import visible_entries
from vigil.sharing.actor import Actor, local_actor
from vigil.sharing.audit import Action, bank_object, record
from vigil.sharing.dissemination import DisseminationError, apply_level
from vigil.sharing.policy import (
    NotVisibleError,
    Permission,
    Viewer,
    bank_condition,
    check_owner,
    require,
    resolve,
)
from vigil.sharing.records import (
    AGENCY_SEPARATOR,
    bank_named,
    own_bank,
)
from vigil.sharing.records import find_bank as visible_bank
from vigil.store.models import Bank, BankEntry, BankImport, ImportStatus, Level, RecordType
from vigil.store.repo import NotFoundError

#: Who may see a bank's entries: its owning agency only, agencies it names, or every member.
DISSEMINATION_LEVELS = tuple(level.value for level in Level)
DEFAULT_CATEGORY_SCHEME = "VICS-US"


class BankError(Exception):
    """A bank operation cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BankInfo:
    """A bank as shown to users: what it is and what it holds."""

    id: int
    name: str
    agency: str
    source: str | None
    dissemination: str
    category_scheme: str
    created_at: datetime
    entries: int
    entries_by_category: dict[str, int]
    imports: list[tuple[str, str, int, datetime]]


def _viewer(session: Session, actor: Actor | None) -> Viewer:
    return resolve(session, actor or local_actor())


def find_bank(session: Session, name: str, actor: Actor | None = None) -> Bank | None:
    """The bank ``name`` (a name or ``CODE/NAME``) names if ``actor`` (default: the person at
    the terminal) may see it, else None: a hidden bank is not found. Of several, ``actor``'s
    agency's own; BankError when several other agencies' banks bear the name."""
    try:
        return visible_bank(session, _viewer(session, actor), name)
    except NotFoundError as exc:
        raise BankError(str(exc)) from None


def agency_bank(session: Session, name: str, actor: Actor | None = None) -> Bank | None:
    """``actor``'s agency's own bank called ``name``, if it has one."""
    return own_bank(session, _viewer(session, actor), name)


def bank_by_name(session: Session, name: str, actor: Actor | None = None) -> Bank:
    """The bank ``name`` (a name or ``CODE/NAME``) names as ``actor`` may see it, its
    agency's own first; BankError naming the banks it may see if there is none (a hidden
    bank gets the same answer as a missing one), or naming the banks to choose from as
    ``CODE/NAME`` when several other agencies' banks bear the name."""
    try:
        return bank_named(session, _viewer(session, actor), name)
    except (NotVisibleError, NotFoundError) as exc:
        raise BankError(str(exc)) from None


def owned_bank(session: Session, name: str, actor: Actor | None = None) -> Bank:
    """The bank called ``name``, to change it: BankError as :func:`bank_by_name`;
    ForbiddenError unless ``actor``'s agency owns it and ``actor`` may write."""
    viewer = _viewer(session, actor)
    bank = bank_by_name(session, name, viewer.actor)
    require(viewer, Permission.WRITE)
    check_owner(viewer, bank.agency_id, f"bank {bank.name!r}")
    return bank


def create_bank(
    session: Session,
    name: str,
    *,
    source: str | None = None,
    dissemination: Level | str = Level.OWNER,
    named: Sequence[str] = (),
    category_scheme: str = DEFAULT_CATEGORY_SCHEME,
    actor: Actor | None = None,
) -> Bank:
    """A new, empty bank owned by ``actor``'s agency (default: the person at the terminal,
    acting for the local agency), seen by ``dissemination`` (``named``: agency codes).

    Recorded in the audit trail as done by ``actor``; ForbiddenError unless it may write.
    """
    from vigil.banks.formats.categories import SCHEMES

    viewer = _viewer(session, actor)
    require(viewer, Permission.WRITE)
    name = name.strip()
    if not name:
        raise BankError("a bank needs a name")
    if AGENCY_SEPARATOR in name:
        raise BankError(
            f"a bank name cannot hold {AGENCY_SEPARATOR!r}, not {name!r}: "
            f"CODE{AGENCY_SEPARATOR}NAME names agency CODE's bank NAME"
        )
    if dissemination not in DISSEMINATION_LEVELS:
        levels = ", ".join(DISSEMINATION_LEVELS)
        raise BankError(f"dissemination must be one of {levels}, not {dissemination!r}")
    level = Level(dissemination)
    if category_scheme not in SCHEMES:
        schemes = ", ".join(sorted(SCHEMES))
        raise BankError(f"unknown category scheme {category_scheme!r} (known: {schemes})")
    # Unique within the agency: other agencies' names, seen or not, are no concern of it.
    if own_bank(session, viewer, name) is not None:
        raise BankError(f"a bank named {name!r} already exists in agency {viewer.actor.agency}")
    bank = Bank(
        name=name,
        agency_id=viewer.agency_id,
        source=source,
        dissemination=Level.OWNER.value,
        category_scheme=category_scheme,
    )
    session.add(bank)
    session.flush()
    details = {"source": source, "dissemination": level.value, "category_scheme": category_scheme}
    record(session, Action.BANK_CREATE, bank_object(bank.name), details, viewer.actor)
    if level is not Level.OWNER or named:
        try:
            apply_level(session, viewer, RecordType.BANK, bank, level, named)
        except DisseminationError as exc:
            raise BankError(str(exc)) from None
    return bank


def describe_bank(session: Session, bank: Bank) -> BankInfo:
    """What ``bank`` is and holds: entries by category and the files imported into it.

    Imports still being staged are not shown, nor their entries counted.
    """
    by_category = {
        str(category) if category is not None else "uncategorised": int(count)
        for category, count in session.execute(
            select(BankEntry.category, func.count())
            .where(BankEntry.bank_id == bank.id, visible_entries())
            .group_by(BankEntry.category)
            .order_by(BankEntry.category)
        )
    }
    imports = [
        (row.file_name, row.format, row.entries, row.imported_at)
        for row in session.scalars(
            select(BankImport)
            .where(BankImport.bank_id == bank.id, BankImport.status == ImportStatus.COMPLETE)
            .order_by(BankImport.id)
        )
    ]
    return BankInfo(
        id=bank.id,
        name=bank.name,
        agency=bank.agency.code,
        source=bank.source,
        dissemination=bank.dissemination,
        category_scheme=bank.category_scheme,
        created_at=bank.created_at,
        entries=sum(by_category.values()),
        entries_by_category=by_category,
        imports=imports,
    )


def list_banks(session: Session, actor: Actor | None = None) -> list[BankInfo]:
    """Every bank ``actor`` (default: the person at the terminal) may see, by name."""
    visible = bank_condition(_viewer(session, actor))
    return [
        describe_bank(session, bank)
        for bank in session.scalars(select(Bank).where(visible).order_by(Bank.name, Bank.id))
    ]


def delete_bank(session: Session, name: str, actor: Actor | None = None) -> int:
    """Delete the bank ``name`` with its entries and their matches; returns entries deleted.

    The count is of the entries users could see; an import being staged goes too. Recorded
    in the audit trail as done by ``actor`` (default: the person at the terminal), whose
    agency must own the bank (ForbiddenError otherwise).
    """
    actor = actor or local_actor()
    bank = owned_bank(session, name, actor)
    shown = bank.name
    entries = (
        session.scalar(
            select(func.count(BankEntry.id)).where(BankEntry.bank_id == bank.id, visible_entries())
        )
        or 0
    )
    session.delete(bank)
    session.flush()
    details = {"entries": int(entries)}
    record(session, Action.BANK_DELETE, bank_object(shown), details, actor)
    return int(entries)
