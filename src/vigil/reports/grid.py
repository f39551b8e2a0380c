"""The triage grid of an ingest run: its media that need eyes, new first, one page at a time.

Each media of the run is in the triage report's class (:mod:`vigil.reports.grid_classes`);
the grid shows the classes in the order the work needs them — new first, known exactly
last — and one statement gives a page, how many pass the filters and the run's classes, so
that a page of a 100,000-media seizure never loads the run into Python. The filters on
camera and capture date read the capture facts (``MediaCapture``: pictures with a body
serial or a position).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from vigil.reports.grid_classes import PRECEDENCE, class_ranks, counted, run_media
from vigil.reports.triage import CLASS_LABELS
from vigil.sharing.policy import (
    NotVisibleError,
    Viewer,
    match_target_condition,
    media_condition,
    seizure_condition,
    visible_bank_ids,
)
from vigil.store.models import (
    BankEntry,
    IngestRun,
    Match,
    Media,
    MediaCapture,
    Seizure,
    Sighting,
    TriageMark,
    TriageVerdict,
)

#: The order the grid shows them in: what needs eyes first.
GRID_ORDER = ("new", "known_near", "other_cases", "held_elsewhere", "known_exact")
KINDS = ("image", "video")
PAGE_SIZE = 200


@dataclass(frozen=True)
class GridFilters:
    """What narrows the grid (None: no filter)."""

    kind: str | None = None
    #: A category code of a matched bank entry the viewer may see.
    category: str | None = None
    has_match: bool | None = None
    #: Part of the camera's ``make|model|serial`` (any case).
    camera: str | None = None
    taken_from: date | None = None
    taken_to: date | None = None
    #: The start of the file's path in the seizure.
    folder: str | None = None
    #: Show the media the agency marked not pertinent too.
    show_not_pertinent: bool = False


@dataclass(frozen=True)
class Grid:
    """One page of the grid, how many media pass its filters, and the run's classes."""

    tiles: list[Tile]
    total: int
    #: Class -> media of the run in it (filters and marks aside), in :data:`GRID_ORDER`.
    classes: dict[str, int]


@dataclass(frozen=True)
class Tile:
    """One media of the grid."""

    media_id: int
    path: str
    kind: str
    triage_class: str
    matches: int
    #: The first match the viewer may see (None without one).
    first_match: int | None
    #: The agency's triage verdict on it, if any.
    mark: str | None

    @property
    def class_label(self) -> str:
        """The class in words."""
        return CLASS_LABELS[self.triage_class]


def _matched(viewer: Viewer, run_id: int) -> Any:
    """The run's media with a match the viewer may see (either side), as one set."""
    own = run_media(run_id)
    forward = select(Match.media_id).where(Match.media_id.in_(own), match_target_condition(viewer))
    backward = select(Match.other_media_id).where(
        Match.other_media_id.in_(own), media_condition(viewer, Match.media_id)
    )
    return forward.union(backward)


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _conditions(
    viewer: Viewer, run_id: int, seizure_id: int, filters: GridFilters
) -> list[ColumnElement[bool]]:
    """What a media of the run (a row with ``Media``) must meet to pass ``filters``."""
    conditions: list[ColumnElement[bool]] = []
    if filters.kind:
        conditions.append(Media.kind == filters.kind)
    if filters.folder:
        in_folder = (
            exists()
            .where(
                Sighting.media_id == Media.id,
                Sighting.ingest_run_id == run_id,
                Sighting.path.like(_like_prefix(filters.folder), escape="\\"),
            )
            .correlate(Media)
        )
        conditions.append(in_folder)
    if not filters.show_not_pertinent:
        marked = select(TriageMark.media_id).where(
            TriageMark.seizure_id == seizure_id,
            TriageMark.verdict == TriageVerdict.NOT_PERTINENT.value,
        )
        conditions.append(Media.id.not_in(marked))
    if filters.category:
        in_category = counted(
            select(Match.media_id)
            .join(BankEntry, Match.bank_entry_id == BankEntry.id)
            .where(
                BankEntry.category == filters.category,
                BankEntry.bank_id.in_(visible_bank_ids(viewer)),
                Match.media_id.in_(run_media(run_id)),
            ),
            viewer,
        )
        conditions.append(Media.id.in_(in_category))
    if filters.has_match is not None:
        matched = Media.id.in_(_matched(viewer, run_id))
        conditions.append(matched if filters.has_match else ~matched)
    captured = []
    if filters.camera:
        captured.append(func.lower(MediaCapture.camera).contains(filters.camera.lower()))
    if filters.taken_from:
        captured.append(MediaCapture.taken_at >= filters.taken_from.isoformat())
    if filters.taken_to:
        captured.append(func.substr(MediaCapture.taken_at, 1, 10) <= filters.taken_to.isoformat())
    if captured:
        conditions.append(Media.id.in_(select(MediaCapture.media_id).where(*captured)))
    return conditions


def _ranked(
    viewer: Viewer, run_id: int, seizure_id: int, case_id: int, filters: GridFilters
) -> Any:
    """Every picture and video of the run once, with its rank, whether it passes
    ``filters``, and — the same on every row — how many pass and how many are in each
    class: one pass over the run gives the page, its total and the headline."""
    ranks = class_ranks(viewer, run_id, case_id)
    rank = func.coalesce(ranks.c.rank, PRECEDENCE.index("new"))
    conditions = _conditions(viewer, run_id, seizure_id, filters)
    passes = case((and_(*conditions), 1), else_=0) if conditions else literal(1)
    # Rank and filters worked out once per media (materialized: folded into the sums
    # below, the filters would be evaluated twice), then summed over the run.
    base = (
        select(Media.id, Media.kind, rank.label("rank"), passes.label("passes"))
        .outerjoin(ranks, ranks.c.media_id == Media.id)
        .where(Media.id.in_(run_media(run_id)), Media.kind.in_(KINDS))
        .cte("base")
        .prefix_with("MATERIALIZED")
    )
    in_class = [
        func.sum(case((base.c.rank == position, 1), else_=0)).over().label(name)
        for position, name in enumerate(PRECEDENCE)
    ]
    return select(
        base.c.id,
        base.c.kind,
        base.c.rank,
        base.c.passes,
        func.sum(base.c.passes).over().label("total"),
        *in_class,
    ).subquery("ranked")


def _first_paths(session: Session, run_id: int, media_ids: list[int]) -> dict[int, str]:
    """The first path (in sort order) each of ``media_ids`` was seen at in the run."""
    rows = session.execute(
        select(Sighting.media_id, func.min(Sighting.path))
        .where(Sighting.ingest_run_id == run_id, Sighting.media_id.in_(media_ids))
        .group_by(Sighting.media_id)
    )
    return {media_id: path for media_id, path in rows}


def triage_grid(
    session: Session,
    viewer: Viewer,
    run_id: int,
    filters: GridFilters,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> Grid:
    """One page of the run's grid: new first, then by class as :data:`GRID_ORDER`, each by
    media id; with how many pass the filters and the run's classes. NotVisibleError unless
    the viewer may see the run's seizure."""
    seizure_id, case_id = _seizure_of(session, viewer, run_id)
    ranked = _ranked(viewer, run_id, seizure_id, case_id, filters)
    order = case(
        {PRECEDENCE.index(name): position for position, name in enumerate(GRID_ORDER)},
        value=ranked.c.rank,
    )
    rows = session.execute(
        select(ranked)
        .where(ranked.c.passes == 1)
        .order_by(order, ranked.c.id)
        .offset(offset)
        .limit(limit)
    ).all()
    # Past the end, or nothing passes: the counts alone.
    head = rows[0] if rows else session.execute(select(ranked).limit(1)).first()
    classes = {name: int(getattr(head, name) or 0) if head else 0 for name in GRID_ORDER}
    total = int(head.total or 0) if head else 0
    ids = [row.id for row in rows]
    paths = _first_paths(session, run_id, ids)
    matches = _matches_of(session, viewer, ids)
    marked = session.execute(
        select(TriageMark.media_id, TriageMark.verdict).where(
            TriageMark.seizure_id == seizure_id, TriageMark.media_id.in_(ids)
        )
    )
    marks = {media_id: verdict for media_id, verdict in marked}
    tiles = [
        Tile(
            media_id=row.id,
            path=paths.get(row.id, ""),
            kind=row.kind,
            triage_class=PRECEDENCE[row.rank],
            matches=matches.get(row.id, (0, None))[0],
            first_match=matches.get(row.id, (0, None))[1],
            mark=marks.get(row.id),
        )
        for row in rows
    ]
    return Grid(tiles, total, classes)


def _seizure_of(session: Session, viewer: Viewer, run_id: int) -> tuple[int, int]:
    """The run's seizure and case ids; NotVisibleError as for a missing run."""
    row = session.execute(
        select(Seizure.id, Seizure.case_id)
        .join(IngestRun, IngestRun.seizure_id == Seizure.id)
        .where(IngestRun.id == run_id, seizure_condition(viewer))
    ).first()
    if row is None:
        raise NotVisibleError(f"run_id: no ingest run {run_id}")
    return row[0], row[1]


def _matches_of(
    session: Session, viewer: Viewer, media_ids: list[int]
) -> dict[int, tuple[int, int]]:
    """How many matches the viewer may see each of ``media_ids`` has (either side), and the
    first of them (the one the grid opens)."""
    if not media_ids:
        return {}
    forward = select(Match.media_id.label("media_id"), Match.id.label("match_id")).where(
        Match.media_id.in_(media_ids), match_target_condition(viewer)
    )
    backward = select(Match.other_media_id.label("media_id"), Match.id.label("match_id")).where(
        Match.other_media_id.in_(media_ids), media_condition(viewer, Match.media_id)
    )
    both = union_all(forward, backward).subquery()
    rows = session.execute(
        select(both.c.media_id, func.count(), func.min(both.c.match_id)).group_by(both.c.media_id)
    )
    return {media_id: (count, first) for media_id, count, first in rows}


def grid_categories(session: Session, viewer: Viewer, run_id: int) -> list[str]:
    """The categories of the bank entries the run's media matched, as the viewer may see
    them (the category filter's choices)."""
    query = (
        select(BankEntry.category)
        .join(Match, Match.bank_entry_id == BankEntry.id)
        .where(
            Match.media_id.in_(run_media(run_id)),
            BankEntry.bank_id.in_(visible_bank_ids(viewer)),
            BankEntry.category.is_not(None),
        )
        .distinct()
        .order_by(BankEntry.category)
    )
    return [category for category in session.scalars(query) if category is not None]
