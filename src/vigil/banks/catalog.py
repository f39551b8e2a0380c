"""Banks: creating, listing, describing and deleting named lists of known hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.banks.staging import visible_entries
from vigil.sharing.actor import Actor, local_actor
from vigil.sharing.audit import Action, bank_object, record
from vigil.store.models import Agency, Bank, BankEntry, BankImport, ImportStatus
from vigil.store.repo import default_agency

#: Who may see a bank's entries: its owning agency only, agencies it names, or every member.
DISSEMINATION_LEVELS = ("owner", "named", "all")
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


def find_bank(session: Session, name: str) -> Bank | None:
    """The bank called ``name``, or None."""
    return session.scalar(select(Bank).where(Bank.name == name))


def bank_by_name(session: Session, name: str) -> Bank:
    """The bank called ``name``; BankError naming the known banks if there is none."""
    bank = find_bank(session, name)
    if bank is None:
        known = ", ".join(session.scalars(select(Bank.name).order_by(Bank.name))) or "none yet"
        raise BankError(f"no bank named {name!r} (banks: {known})")
    return bank


def create_bank(
    session: Session,
    name: str,
    *,
    source: str | None = None,
    dissemination: str = "owner",
    category_scheme: str = DEFAULT_CATEGORY_SCHEME,
    agency: Agency | None = None,
    actor: Actor | None = None,
) -> Bank:
    """A new, empty bank owned by ``agency`` (default: the local agency).

    Recorded in the audit trail as done by ``actor`` (default: the person at the terminal).
    """
    from vigil.banks.formats.categories import SCHEMES

    name = name.strip()
    if not name:
        raise BankError("a bank needs a name")
    if dissemination not in DISSEMINATION_LEVELS:
        levels = ", ".join(DISSEMINATION_LEVELS)
        raise BankError(f"dissemination must be one of {levels}, not {dissemination!r}")
    if category_scheme not in SCHEMES:
        schemes = ", ".join(sorted(SCHEMES))
        raise BankError(f"unknown category scheme {category_scheme!r} (known: {schemes})")
    if find_bank(session, name) is not None:
        raise BankError(f"a bank named {name!r} already exists")
    bank = Bank(
        name=name,
        agency_id=(agency or default_agency(session)).id,
        source=source,
        dissemination=dissemination,
        category_scheme=category_scheme,
    )
    session.add(bank)
    session.flush()
    details = {"source": source, "dissemination": dissemination, "category_scheme": category_scheme}
    record(session, Action.BANK_CREATE, bank_object(bank.name), details, actor or local_actor())
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


def list_banks(session: Session) -> list[BankInfo]:
    """Every bank, by name."""
    return [
        describe_bank(session, bank) for bank in session.scalars(select(Bank).order_by(Bank.name))
    ]


def delete_bank(session: Session, name: str, actor: Actor | None = None) -> int:
    """Delete the bank ``name`` with its entries and their matches; returns entries deleted.

    The count is of the entries users could see; an import being staged goes too. Recorded
    in the audit trail as done by ``actor`` (default: the person at the terminal).
    """
    bank = bank_by_name(session, name)
    entries = (
        session.scalar(
            select(func.count(BankEntry.id)).where(BankEntry.bank_id == bank.id, visible_entries())
        )
        or 0
    )
    session.delete(bank)
    session.flush()
    details = {"entries": int(entries)}
    record(session, Action.BANK_DELETE, bank_object(name), details, actor or local_actor())
    return int(entries)
