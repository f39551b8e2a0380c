"""The `vigil` command: every job a user runs from a terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from vigil.cli.agencies import agency_app
from vigil.cli.alerts import alert_app, print_alerts
from vigil.cli.audit import audit_app
from vigil.cli.banks import bank_app
from vigil.cli.cases import case_app
from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    Dissemination,
    NamedAgencies,
    acting,
    err,
    fail,
    open_store,
    out,
)
from vigil.cli.failures import explain
from vigil.cli.hits import hit_app
from vigil.cli.locations import location_app
from vigil.cli.matches import Radius, Share, match_app, report
from vigil.cli.missing import missing_app
from vigil.cli.offenders import offender_app
from vigil.cli.previews import NoPreviews, previews_app, run_pass
from vigil.cli.referrals import referral_app
from vigil.cli.series import series_app
from vigil.cli.sharing import share_app
from vigil.cli.stats import stats
from vigil.cli.suggest import suggest_app
from vigil.cli.tokens import token_app
from vigil.cli.users import user_app
from vigil.cli.victims import victim_app
from vigil.signals.registry import PDQ, VPDQ
from vigil.store.models import Level
from vigil.store.repo import DEFAULT_AGENCY_CODE

app = typer.Typer(
    help="Vigil: victim-identification and intelligence-sharing database.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
demo_app = typer.Typer(help="The benign demo seizure.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(bank_app, name="bank")
app.add_typer(match_app, name="match")
app.add_typer(agency_app, name="agency")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(audit_app, name="audit")
app.add_typer(share_app, name="share")
app.add_typer(hit_app, name="hit")
app.add_typer(referral_app, name="referral")
app.add_typer(case_app, name="case")
app.add_typer(offender_app, name="offender")
app.add_typer(location_app, name="location")
app.add_typer(missing_app, name="missing")
app.add_typer(series_app, name="series")
app.add_typer(victim_app, name="victim")
app.add_typer(alert_app, name="alert")
app.add_typer(suggest_app, name="suggest")
app.add_typer(previews_app, name="previews")


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="Folder of seized media to ingest.")],
    case: Annotated[str, typer.Option("--case", help="Case reference to file it under.")],
    seizure: Annotated[
        str | None, typer.Option("--seizure", help="Seizure name (default: folder name).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--source", help="What was seized and where from, e.g. 'suspect's phone'."),
    ] = None,
    seized_at: Annotated[
        str | None,
        typer.Option(
            "--seized-at", help="When it was seized: YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)."
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", envvar="VIGIL_WORKERS", min=1, help="Worker processes.")
    ] = os.cpu_count() or 1,
    pdq_mode: Annotated[
        str,
        typer.Option(
            "--pdq-mode",
            envvar="VIGIL_PDQ_MODE",
            help="PDQ mode: fast (JPEG draft decoding) or reference (Meta's algorithm).",
        ),
    ] = "fast",
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            envvar="VIGIL_FILE_TIMEOUT",
            help="Seconds a file may take, plus one per megabyte of it.",
        ),
    ] = 120.0,
    memory_budget: Annotated[
        str | None,
        typer.Option(
            "--memory-budget",
            envvar="VIGIL_MEMORY_BUDGET",
            help="Memory ingest may use, e.g. 4G or 512M: fewer workers (then a lower picture "
            "size limit) when workers x the largest picture would not fit "
            "(default: half the machine's memory).",
        ),
    ] = None,
    pdq_radius: Radius = PDQ.default_threshold,
    vpdq_share: Share = VPDQ.default_threshold,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    no_previews: NoPreviews = False,
    dissemination: Dissemination = Level.OWNER,
    named: NamedAgencies = None,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Ingest a folder of seized media: hash, read metadata, store. Resumes if interrupted.

    The case and seizure belong to the agency acted for; when this run makes them, they are
    seen by --dissemination (see `vigil share set` to change it later). Once the summary is
    printed, the seizure's previews are made (unless --no-previews).
    """
    from vigil.cases.errors import IdentificationError
    from vigil.cases.fields import moment
    from vigil.cli.progress import IngestProgressBar
    from vigil.cli.render import print_ingest_json, print_summary, print_triage
    from vigil.ingest.budget import (
        MemoryBudgetError,
        default_memory_budget,
        parse_memory_size,
        plan_memory,
    )
    from vigil.ingest.pipeline import IngestInputError, IngestRequest
    from vigil.ingest.pipeline import ingest as run_ingest
    from vigil.matching.matching import MatchSettings
    from vigil.sharing.dissemination import DisseminationError
    from vigil.sharing.policy import PolicyError

    if pdq_mode not in ("fast", "reference"):
        raise fail(f"--pdq-mode must be fast or reference, not {pdq_mode!r}")
    from vigil.cases.capture import gps_metres

    try:
        gps_metres()  # read when the alerts are raised: refused before the work, not after
    except IdentificationError as exc:
        raise fail(str(exc)) from None
    try:
        match_settings = MatchSettings(pdq_radius=pdq_radius, vpdq_share=vpdq_share)
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        budget = (
            default_memory_budget() if memory_budget is None else parse_memory_size(memory_budget)
        )
        plan_memory(budget, workers)
    except MemoryBudgetError as exc:
        raise fail(f"--memory-budget: {exc}") from None
    if not path.exists():
        raise fail(f"{path}: no such folder")
    try:
        seized = None if seized_at is None else moment("--seized-at", seized_at)
    except IdentificationError as exc:
        raise fail(str(exc)) from None
    store = open_store(data_dir, database_url)
    request = IngestRequest(
        root=path,
        case_reference=case,
        seizure_name=seizure,
        workers=workers,
        pdq_mode="fast" if pdq_mode == "fast" else "reference",
        timeout=timeout,
        match_settings=match_settings,
        memory_budget=budget,
        actor=acting(agency),
        dissemination=dissemination,
        named=tuple(named or ()),
        source=source,
        seized_at=seized,
    )
    try:
        with IngestProgressBar(err) as bar:
            outcome = run_ingest(store, request, bar)
        if as_json:
            # The failed files stream from the store, so it closes after the document.
            print_ingest_json(store, outcome, request.actor)
    except (IngestInputError, PolicyError, DisseminationError, IdentificationError) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        err.print("interrupted: run the same command again to resume")
        raise typer.Exit(code=130) from None
    finally:
        store.close()
    if not as_json:
        if outcome.memory.reduced:
            out.print(outcome.memory.describe(), highlight=False)
        print_summary(out, outcome.summary, resumed=outcome.resumed)
        print_alerts(out, outcome.alerts)
        print_triage(out, outcome.triage, request.actor.agency)
    if not no_previews:
        # After the summary: triage is never kept waiting for pictures to be drawn.
        reference = f"{case}/{seizure or path.resolve().name}"
        run_pass(data_dir, database_url, outcome.seizure_id, reference, outcome.memory.workers)


app.command("report")(report)
app.command("stats")(stats)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply every pending migration (also done automatically on first use)."""
    store = open_store(data_dir, database_url)
    out.print(f"database at {store.describe()} is up to date")
    store.close()


@demo_app.command("build")
def demo_build(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo seizure into.")],
    bank: Annotated[
        Path | None,
        typer.Option(
            "--bank", help="Where to write the demo hash bank (default: DIRECTORY-bank.json)."
        ),
    ] = None,
) -> None:
    """Build the deterministic, benign demo seizure and its hash bank."""
    from vigil.demo.build import DemoBuildError, build_demo_seizure

    bank = bank or directory.with_name(f"{directory.name}-bank.json")
    try:
        manifest = build_demo_seizure(directory, bank)
    except DemoBuildError as exc:
        raise fail(str(exc)) from None
    counts = ", ".join(
        f"{count} {what.replace('_', ' ')}" for what, count in manifest.counts().items()
    )
    out.print(f"demo seizure written to {directory}: {counts}", highlight=False)
    out.print(f"demo hash bank written to {bank}", highlight=False)


@demo_app.command("users")
def demo_users(
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Give existing demo users new passwords instead of failing."),
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create the demo agencies DEMO-A and DEMO-B with one user each; print their logins.

    The passwords are random, made now and shown only here (demo only).
    """
    from vigil.demo.users import DemoUsersExistError, create_demo_users

    store = open_store(data_dir, database_url)
    try:
        with store.session() as session:
            logins = create_demo_users(session, acting(DEFAULT_AGENCY_CODE), reset)
    except DemoUsersExistError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()
    out.print("Demo logins (demo only; random passwords made now, shown once):", highlight=False)
    for login in logins:
        out.print(f"  {login.agency}: {login.username} / {login.password}", highlight=False)
    out.print("Log in at the address `vigil serve` prints (…/login).", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="VIGIL_HOST", help="Address to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(envvar="VIGIL_PORT", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            envvar="VIGIL_WEB_WORKERS",
            min=1,
            help="Server processes; each holds its own copy of the lookup service's banks.",
        ),
    ] = 1,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the web UI."""
    import uvicorn

    from vigil.config import DATA_DIR_ENV, DATABASE_URL_ENV
    from vigil.web.app import create_app
    from vigil.web.config import ConfigError, WebConfig

    try:
        config = WebConfig.from_env()
    except ConfigError as exc:
        raise fail(str(exc)) from None
    # Opened here once: the database is migrated (and that recorded) before any worker starts.
    store = open_store(data_dir, database_url)
    try:
        # Each worker fills the lookup service with every bank when it starts, then follows
        # the banks every second (and writes the lookups' audit events) until it stops.
        web = create_app(store, config, follow_banks=workers == 1)
    except ConfigError as exc:  # the lookup service's or the token cache's settings
        store.close()
        raise fail(str(exc)) from None
    out.print(f"Vigil web UI on http://{host}:{port}/ (Ctrl-C to stop)", highlight=False)
    if workers == 1:
        try:
            uvicorn.run(web, host=host, port=port, log_level="warning")
        finally:
            store.close()
        return
    settings = store.settings
    store.close()
    os.environ[DATA_DIR_ENV] = str(settings.data_dir)
    os.environ[DATABASE_URL_ENV] = settings.database_url
    out.print(f"{workers} worker processes, each with its own lookup service", highlight=False)
    uvicorn.run(
        "vigil.web.app:serving_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def main() -> None:
    """Entry point of the ``vigil`` script.

    A failure of the machine (a full disk, a read-only file system, a denied permission, a
    database locked or gone) ends any command with one line and exit code 2, wherever it
    was raised; any other exception is a bug and keeps its traceback.
    """
    try:
        app()
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        fail(message)
        sys.exit(2)
