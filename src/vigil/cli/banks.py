"""`vigil bank ...`: lists of known hashes, and moving them in and out of Vigil."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    Dissemination,
    NamedAgencies,
    Output,
    acting,
    err,
    fail,
    open_store,
    out,
    print_json,
    shown,
    user_session,
)
from vigil.sharing.actor import Actor
from vigil.store.models import Level
from vigil.store.repo import DEFAULT_AGENCY_CODE

bank_app = typer.Typer(help="Hash banks: lists of known material.", no_args_is_help=True)

#: How a bank is named on the command line.
NAME_HELP = (
    "Name of the bank: the agency's own of that name first, else the one visible bank of that"
    " name; CODE/NAME for agency CODE's bank NAME."
)
BankName = Annotated[str, typer.Option("--bank", help=NAME_HELP)]
FORMAT_HELP = "vics (Project VIC 1.x/2.0), icse-csv, hashlist or te-pdq (ThreatExchange PDQ)."


@bank_app.command("create")
def create(
    name: Annotated[
        str,
        typer.Argument(help="Name of the new bank: unique within the agency, without '/'."),
    ],
    source: Annotated[
        str | None, typer.Option("--source", help="Where the hashes come from.")
    ] = None,
    dissemination: Dissemination = Level.OWNER,
    named: NamedAgencies = None,
    scheme: Annotated[
        str, typer.Option("--category-scheme", help="Category scheme of its entries.")
    ] = "VICS-US",
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an empty bank, owned by the agency acted for."""
    from vigil.banks.catalog import BankError, create_bank

    with user_session(data_dir, database_url, BankError) as session:
        bank = create_bank(
            session,
            name,
            source=source,
            dissemination=dissemination,
            named=named or (),
            category_scheme=scheme,
            actor=acting(agency),
        )
    out.print(f"bank {bank.name!r} created", highlight=False)


@bank_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the banks the agency may see, with their entry counts."""
    from vigil.banks.catalog import list_banks

    with user_session(data_dir, database_url) as session:
        banks = list_banks(session, acting(agency))
    if as_json:
        rows = [
            {
                "name": b.name,
                "agency": b.agency,
                "source": b.source,
                "entries": b.entries,
                "dissemination": b.dissemination,
                "category_scheme": b.category_scheme,
            }
            for b in banks
        ]
        print_json(rows)
        return
    table = Table(title="Banks")
    for column in ("name", "agency", "source", "dissemination", "scheme"):
        table.add_column(column)
    table.add_column("entries", justify="right")
    for b in banks:
        table.add_row(
            shown(b.name),
            b.agency,
            shown(b.source or ""),
            b.dissemination,
            b.category_scheme,
            f"{b.entries:,}",
        )
    out.print(table)


@bank_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help=NAME_HELP)],
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show a bank: provenance, entries by category, files imported."""
    from vigil.banks.catalog import BankError, bank_by_name, describe_bank
    from vigil.banks.formats.categories import scheme_for

    with user_session(data_dir, database_url, BankError) as session:
        info = describe_bank(session, bank_by_name(session, name, acting(agency)))
    scheme = scheme_for(info.category_scheme)
    # Names and sources come from imported files: shown escaped, never read as markup.
    out.print(
        shown(
            f"{info.name} — owner {info.agency}, dissemination {info.dissemination}, "
            f"source {info.source or 'not given'}, created {info.created_at:%Y-%m-%d}"
        ),
        highlight=False,
    )
    table = Table(title=f"Entries by category ({info.category_scheme})")
    table.add_column("category")
    table.add_column("entries", justify="right")
    for code, count in info.entries_by_category.items():
        label = scheme.labels.get(code)
        table.add_row(f"{code} {label}" if label else code, f"{count:,}")
    table.add_row("all", f"{info.entries:,}")
    out.print(table)
    imports = Table(title="Files imported")
    for column in ("file", "format", "entries", "imported (UTC)"):
        imports.add_column(column)
    for file_name, fmt, count, at in info.imports:
        imports.add_row(shown(file_name), fmt, f"{count:,}", f"{at:%Y-%m-%d %H:%M}")
    out.print(imports)


@bank_app.command("delete")
def delete(
    name: Annotated[str, typer.Argument(help=NAME_HELP)],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Delete a bank the agency owns, its entries and the matches against them."""
    from vigil.banks.catalog import BankError, delete_bank

    if not yes and not typer.confirm(f"Delete bank {name!r} and every match against it?"):
        raise typer.Exit(code=1)
    with user_session(data_dir, database_url, BankError) as session:
        entries = delete_bank(session, name, acting(agency))
    out.print(f"bank {name!r} deleted ({entries:,} entries)", highlight=False)


@bank_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Hash list to import.")],
    bank: BankName,
    fmt: Annotated[
        str | None, typer.Option("--format", help=f"Format (default: detected). {FORMAT_HELP}")
    ] = None,
    create: Annotated[
        bool,
        typer.Option("--create", help="Create the bank first if the agency has none of that name."),
    ] = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Import a hash list into a bank: all of it, or nothing if any record is bad.

    Entries are written in chunks, each in a short transaction, so a large import never
    keeps a running ingest waiting; they are seen by other commands only once every
    record of the file has been read.
    """
    from vigil.banks.catalog import BankError, agency_bank, create_bank, delete_bank
    from vigil.banks.formats import FORMATS, BankFormatError
    from vigil.banks.transfer import AlreadyImportedError, import_file
    from vigil.cases.series import series_from_banks
    from vigil.sharing.policy import PolicyError, resolve
    from vigil.sharing.records import bank_named

    if fmt is not None and fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    actor = acting(agency)
    store = open_store(data_dir, database_url)
    created = False
    try:
        if create:
            with store.session() as session:
                if agency_bank(session, bank, actor) is None:
                    create_bank(session, bank, actor=actor)
                    created = True
        with err.status(f"importing {file.name}") as status:

            def staged(count: int) -> None:
                status.update(f"importing {file.name}: {count:,} entries read")

            outcome = import_file(store.session, file, bank, fmt, staged, actor)
        with store.session() as session:  # its entries' series names become series
            viewer = resolve(session, actor)
            series_from_banks(session, viewer, bank_named(session, viewer, bank).id)
    except AlreadyImportedError as exc:
        out.print(str(exc), highlight=False)
        return
    except (BankError, BankFormatError, PolicyError) as exc:
        if created:  # the import runs in many transactions: the bank made for it goes too
            with store.session() as session:
                delete_bank(session, bank, actor)
        raise fail(f"{exc} (bank {'not created' if created else 'left unchanged'})") from None
    finally:
        store.close()
    out.print(
        f"imported {outcome.entries:,} entries ({outcome.format}) from {outcome.file_name} "
        f"into bank {outcome.bank!r}",
        highlight=False,
    )


@bank_app.command("export")
def export(
    bank: BankName,
    fmt: Annotated[str, typer.Option("--format", help=f"Format to write. {FORMAT_HELP}")],
    output: Output = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Export a bank the agency may see in an exchange format (VICS export writes VICS 2.0)."""
    from vigil.banks.catalog import BankError
    from vigil.banks.formats import FORMATS
    from vigil.banks.transfer import export_bank

    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        with user_session(data_dir, database_url, BankError) as session:
            actor = acting(agency)
            if output is None:
                count = export_bank(session, bank, fmt, sys.stdout.buffer, actor)
            else:
                count = _export_to_file(session, bank, fmt, output, actor)
    except OSError as exc:
        raise fail(f"{output}: {exc.strerror}") from None
    err.print(f"exported {count:,} entries of bank {bank!r}", highlight=False)


def _export_to_file(session: Session, bank: str, fmt: str, output: Path, actor: Actor) -> int:
    """Write the export beside ``output`` and rename it, so a failed export leaves no file."""
    from vigil.banks.transfer import export_bank

    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("wb") as handle:
            count = export_bank(session, bank, fmt, handle, actor)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return count
