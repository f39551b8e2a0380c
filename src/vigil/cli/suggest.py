"""`vigil suggest ...`: candidate series for a seizure's new media, each with its evidence edge
by edge, accepted (creating or extending a series) or split."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text
from typer.core import TyperGroup

from vigil.cli.common import (
    AgencyCode,
    DatabaseUrl,
    DataDir,
    fail,
    out,
    print_json,
    shown,
)
from vigil.cli.identifying import AsJson, SeizureRef, identifying, seizure_id_of
from vigil.store.repo import DEFAULT_AGENCY_CODE

if TYPE_CHECKING:
    from vigil.cases.suggest import EvidenceSettings, Proposal
    from vigil.cases.suggest_evidence import Evidence


class _ListByDefault(TyperGroup):
    """`vigil suggest CASE/SEIZURE` is `vigil suggest list CASE/SEIZURE`."""

    # ``ctx`` is the click context Typer vendors (a private module): typed loosely.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


suggest_app = typer.Typer(
    cls=_ListByDefault,
    help="Suggested series for a seizure's new media, from the evidence Vigil holds "
    "(`vigil suggest CASE/SEIZURE` lists them).",
    no_args_is_help=True,
)

ProposalId = Annotated[str, typer.Argument(help="The suggestion's id (see `vigil suggest`).")]
GpsMetres = Annotated[
    float,
    typer.Option("--gps-metres", help="Pictures taken at most this many metres apart are linked."),
]
BurstSeconds = Annotated[
    float,
    typer.Option(
        "--burst-seconds",
        help="Pictures of one device taken at most this many seconds apart are linked.",
    ),
]
BurstAnyDevice = Annotated[
    bool,
    typer.Option(
        "--burst-any-device",
        help="Link time bursts across devices too (more links, more wrong ones).",
    ),
]
Without = Annotated[
    list[int] | None,
    typer.Option("--without", help="Leave out this media id (repeat for several)."),
]


def _settings(
    gps_metres: float,
    burst_seconds: float,
    any_device: bool,
    without_kinds: list[str] | None = None,
) -> EvidenceSettings:
    from vigil.cases.suggest import EvidenceKind, EvidenceSettings

    known = [kind.value for kind in EvidenceKind]
    for kind in without_kinds or ():
        if kind not in known:
            raise fail(f"--without-kind: {kind!r} is not one of {', '.join(known)}")
    try:
        return EvidenceSettings(
            gps_metres=gps_metres, burst_seconds=burst_seconds, burst_any_device=any_device
        )
    except ValueError as exc:
        raise fail(str(exc)) from None


def _edge_line(edge: Evidence) -> str:
    detail = edge.detail
    if edge.kind.value == "pdq":
        what = f"PDQ {detail['distance']} bits ({detail['variant']})"
    elif edge.kind.value == "camera":
        what = f"same camera {detail['make']} {detail['model']} serial {detail['serial']}"
    elif edge.kind.value == "gps":
        what = f"GPS {detail['metres']} m apart"
    elif edge.kind.value == "burst":
        what = f"taken {detail['seconds']} s apart"
    else:
        distance = "" if detail["distance"] is None else f" {detail['distance']}"
        what = f"matches series {detail['series']} ({detail['signal']}{distance}, media {edge.b})"
    return f"    {edge.a} - {edge.b}  {edge.kind.value}: {what}"


def proposal_block(proposal: Proposal) -> Text:
    """A proposal as lines of text (paths and names escaped: they come from users)."""
    extends = ", ".join(s.label for s in proposal.extends)
    target = f"extends series {extends}" if extends else "a new series"
    lines = [f"suggestion {proposal.id}: {len(proposal.media)} media, {target}", "  media:"]
    lines += [f"    {m.media_id}  {m.sha256[:16]}  {m.path}" for m in proposal.media]
    lines.append("  evidence:")
    lines += [_edge_line(edge) for edge in proposal.edges]
    lines.append("")
    return Text("\n").join(shown(line) for line in lines)


def _show(proposals: list[Proposal], as_json: bool) -> None:
    if as_json:
        print_json([p.to_json() for p in proposals])
        return
    if not proposals:
        out.print("no suggestions", highlight=False)
    for proposal in proposals:
        out.print(proposal_block(proposal), highlight=False)


@suggest_app.command("list")
def list_(
    seizure: SeizureRef,
    gps_metres: GpsMetres = 100.0,
    burst_seconds: BurstSeconds = 120.0,
    burst_any_device: BurstAnyDevice = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List the suggested series for the seizure's new media, largest first, each with its
    evidence edge by edge (the same as `vigil suggest CASE/SEIZURE`)."""
    from vigil.cases.suggest import suggestions

    settings = _settings(gps_metres, burst_seconds, burst_any_device)
    with identifying(agency, data_dir, database_url) as (session, viewer):
        found = suggestions(session, viewer, seizure_id_of(session, viewer, seizure), settings)
    _show(found, as_json)


@suggest_app.command("accept")
def accept(
    seizure: SeizureRef,
    proposal: ProposalId,
    series: Annotated[
        str | None,
        typer.Option("--series", help="Extend this series (NAME, or CODE/NAME of another's)."),
    ] = None,
    new_series: Annotated[
        str | None, typer.Option("--new-series", help="Create a series of this name.")
    ] = None,
    without: Without = None,
    gps_metres: GpsMetres = 100.0,
    burst_seconds: BurstSeconds = 120.0,
    burst_any_device: BurstAnyDevice = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Assign a suggestion's media (but --without) to a series: a new one (--new-series) or
    the one named (--series); with neither, the one series it extends. Give the evidence
    options the suggestion was listed with."""
    from vigil.cases.suggest import accept as accept_proposal

    if series and new_series:
        raise fail("give --series or --new-series, not both")
    settings = _settings(gps_metres, burst_seconds, burst_any_device)
    with identifying(agency, data_dir, database_url) as (session, viewer):
        done = accept_proposal(
            session,
            viewer,
            seizure_id_of(session, viewer, seizure),
            proposal.strip(),
            new_series or series,
            without or (),
            create=new_series is not None,
            settings=settings,
        )
    verb = "created" if done.created else "extended"
    out.print(
        shown(f"series {done.series} {verb}: {len(done.assigned)} media assigned"),
        highlight=False,
    )


@suggest_app.command("split")
def split(
    seizure: SeizureRef,
    proposal: ProposalId,
    without_kind: Annotated[
        list[str] | None,
        typer.Option(
            "--without-kind",
            help="Drop this kind of evidence: pdq, camera, gps, burst or series (repeatable).",
        ),
    ] = None,
    without: Without = None,
    gps_metres: GpsMetres = 100.0,
    burst_seconds: BurstSeconds = 120.0,
    burst_any_device: BurstAnyDevice = False,
    agency: AgencyCode = DEFAULT_AGENCY_CODE,
    as_json: AsJson = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show what a suggestion falls apart into without some kinds of evidence or some media;
    accept a part with `vigil suggest accept` and --without the other parts' media."""
    from vigil.cases.suggest import EvidenceKind
    from vigil.cases.suggest import split as split_proposal

    settings = _settings(gps_metres, burst_seconds, burst_any_device, without_kind)
    kinds = {EvidenceKind(kind) for kind in without_kind or ()}
    with identifying(agency, data_dir, database_url) as (session, viewer):
        parts = split_proposal(
            session,
            viewer,
            seizure_id_of(session, viewer, seizure),
            proposal.strip(),
            without_kinds=kinds,
            without_media=set(without or ()),
            settings=settings,
        )
    _show(parts, as_json)
