"""The triage report of a seizure: what is known, what was seen in other cases, what is new.

Every picture and video of the seizure lands in exactly one class, first that applies:

* **known exactly** — its md5, sha1 or sha256 is in a bank;
* **known by near-duplicate** — its PDQ or vPDQ is within the radius of a bank entry;
* **seen in other cases** — the same file, or a near-duplicate, was seen in another case;
* **held by another agency** — none of the above that the viewer may see, but the file or a
  near-duplicate is held by an agency under a level the viewer does not pass (a hit: the
  report says so and nothing more; the hit notice says whom to contact);
* **new** — none of these: the work of victim identification.

Everything is read as the viewer may see it: links through the one query for them, other
cases only where their seizures are visible. Matches the viewer's agency rejected do not
count. Files that are neither pictures nor videos are counted apart and never classed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from vigil.banks.formats.categories import SCHEMES
from vigil.cases.alerts import AlertView, list_alerts
from vigil.matching.links import seizure_links
from vigil.matching.matching import queries
from vigil.matching.review import COUNTED
from vigil.reports.summary import SeizureSummary, summarize_seizure
from vigil.sharing.policy import Viewer, hidden_hits, seizure_condition
from vigil.sharing.records import bank_label, case_shown
from vigil.signals import vpdq
from vigil.signals.registry import EXACT as EXACT_SIGNALS
from vigil.signals.registry import PDQ, VPDQ
from vigil.store.models import Case, Media, Seizure, Sighting, utcnow

CLASSES = ("known_exact", "known_near", "other_cases", "held_elsewhere", "new")
CLASS_LABELS = {
    "known_exact": "known exactly",
    "known_near": "known by near-duplicate",
    "other_cases": "seen in other cases",
    "held_elsewhere": "held by another agency",
    "new": "new",
}
EXACT = frozenset(s.name for s in EXACT_SIGNALS)


@dataclass(frozen=True)
class SeriesFound:
    """A known series some of the seizure's media belong to."""

    name: str
    media: int
    victim_identified: bool | None  # None when no bank says either way
    banks: list[str]


@dataclass(frozen=True)
class NewMedia:
    """A picture or video nobody has seen: where it is and how to find it again."""

    media_id: int
    path: str
    kind: str
    format: str
    width: int | None
    height: int | None
    sha256: str
    md5: str
    pdq: str | None


@dataclass
class TriageReport:
    """Everything the report shows; renderers only lay it out."""

    case: str
    seizure: str
    generated_at: datetime
    summary: SeizureSummary
    media: int
    classes: dict[str, int]
    by_category: dict[str, int]
    by_bank: dict[str, int]
    other_cases: dict[str, int]
    series: list[SeriesFound]
    low_quality_pictures: int
    low_quality_frames: int
    new_media: list[NewMedia] = field(default_factory=list)
    #: What each category code means in its bank's scheme (e.g. "1": "child abuse material").
    category_labels: dict[str, str] = field(default_factory=dict)
    #: The seizure's alerts the viewer may see, highest priority first.
    alerts: list[AlertView] = field(default_factory=list)

    def categories_shown(self) -> dict[str, int]:
        """Counts by category, each code followed by its label where the scheme has one."""
        return {
            f"{code} {self.category_labels[code]}" if code in self.category_labels else code: n
            for code, n in self.by_category.items()
        }

    def share(self, name: str) -> float:
        """The class ``name`` as a percentage of the seizure's pictures and videos."""
        return 100.0 * self.classes[name] / self.media if self.media else 0.0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        document = asdict(self)
        document["generated_at"] = self.generated_at.isoformat()
        document["alerts"] = [alert.to_json() for alert in self.alerts]
        document["percentages"] = {name: round(self.share(name), 2) for name in CLASSES}
        return document


def _media_of(session: Session, seizure_id: int) -> list[Row[Any]]:
    """The seizure's pictures and videos: the columns the report shows, not their hashes."""
    in_seizure = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    return list(
        session.execute(
            select(
                Media.id,
                Media.kind,
                Media.format,
                Media.width,
                Media.height,
                Media.sha256,
                Media.md5,
                Media.pdq,
            )
            .where(Media.id.in_(in_seizure), Media.kind.in_(("image", "video")))
            .order_by(Media.id)
        )
    )


def _first_paths(session: Session, seizure_id: int) -> dict[int, str]:
    paths: dict[int, str] = {}
    rows = session.execute(
        select(Sighting.media_id, Sighting.path)
        .where(Sighting.seizure_id == seizure_id)
        .order_by(Sighting.path)
    )
    for media_id, path in rows:
        paths.setdefault(media_id, path)
    return paths


def _cases_of(
    session: Session, viewer: Viewer, media_ids: Iterable[int], own_case: int
) -> dict[int, set[str]]:
    """For each media, the other cases it was seen in (by reference), of the seizures the
    viewer may see; sightings in hidden seizures are hits, not cases."""
    ids = sorted(set(media_ids))
    cases: dict[int, set[str]] = defaultdict(set)
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Sighting.media_id, case_shown(viewer))
            .join(Seizure, Sighting.seizure_id == Seizure.id)
            .join(Case, Seizure.case_id == Case.id)
            .where(
                Sighting.media_id.in_(ids[start : start + 500]),
                Case.id != own_case,
                seizure_condition(viewer),
            )
        )
        for media_id, reference in rows:
            cases[media_id].add(reference)
    return cases


def _low_quality(session: Session, seizure_id: int) -> tuple[int, int]:
    """Pictures with no hash fit for matching, and video frames below the quality threshold.

    Only pictures under the threshold are read back (a trimmed picture inside their borders
    may still be fit), so a large seizure's hashes are not all loaded for this count.
    """
    in_seizure = select(Sighting.media_id).where(Sighting.seizure_id == seizure_id)
    flat = session.execute(
        select(Media.id, Media.pdq, Media.pdq_quality, Media.pdq_variants).where(
            Media.id.in_(in_seizure),
            Media.pdq.is_not(None),
            Media.pdq_quality < PDQ.quality_floor,
        )
    )
    pictures = sum(1 for row in flat if not queries(row, PDQ.quality_floor))
    videos = session.scalars(
        select(Media.vpdq).where(Media.id.in_(in_seizure), Media.kind == "video")
    )
    frames = sum(
        1
        for value in videos
        for frame in vpdq.from_json(value or [])
        if frame.quality < VPDQ.quality_floor
    )
    return pictures, frames


def build_report(session: Session, seizure: Seizure, viewer: Viewer) -> TriageReport:
    """Read the seizure's media and matches back from the store and class them, as the
    viewer may see them: NotVisibleError unless the viewer may see the seizure."""
    summary = summarize_seizure(session, viewer, seizure.id)
    media = _media_of(session, seizure.id)
    ids = [m.id for m in media]
    # The same links `vigil match list` shows, whichever side found them.
    found = seizure_links(session, viewer, seizure.id, COUNTED)
    links = [
        (link.media_id, link.other_media_id) for link in found if link.other_media_id is not None
    ]
    other_cases = _cases_of(
        session, viewer, ids + [partner for _, partner in links], seizure.case_id
    )
    seen_elsewhere: dict[int, set[str]] = {
        i: set(other_cases[i]) for i in ids if other_cases.get(i)
    }
    for own, partner in links:
        if other_cases.get(partner):
            seen_elsewhere.setdefault(own, set()).update(other_cases[partner])
    exact: set[int] = set()
    near: set[int] = set()
    by_category: dict[str, set[int]] = defaultdict(set)
    by_bank: dict[str, set[int]] = defaultdict(set)
    series_media: dict[str, set[int]] = defaultdict(set)
    series_victim: dict[str, list[bool | None]] = defaultdict(list)
    series_banks: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for link in found:
        entry, bank = link.entry, link.bank
        if entry is None or bank is None:
            continue
        (exact if link.signal in EXACT else near).add(link.media_id)
        by_category[entry.category or "uncategorised"].add(link.media_id)
        scheme = SCHEMES.get(bank.category_scheme)
        if entry.category is not None and scheme is not None and entry.category in scheme.labels:
            labels[entry.category] = scheme.labels[entry.category]
        by_bank[bank_label(viewer, bank)].add(link.media_id)
        if entry.series:
            series_media[entry.series].add(link.media_id)
            series_victim[entry.series].append(entry.victim_identified)
            series_banks[entry.series].add(bank_label(viewer, bank))
    held = {hit.media_id for hit in hidden_hits(session, viewer, seizure.id)}
    classes = Counter[str]()
    new_ids = []
    for media_id in ids:
        if media_id in exact:
            classes["known_exact"] += 1
        elif media_id in near:
            classes["known_near"] += 1
        elif media_id in seen_elsewhere:
            classes["other_cases"] += 1
        elif media_id in held:
            classes["held_elsewhere"] += 1
        else:
            classes["new"] += 1
            new_ids.append(media_id)
    paths = _first_paths(session, seizure.id)
    by_id = {m.id: m for m in media}
    low_pictures, low_frames = _low_quality(session, seizure.id)
    elsewhere = Counter(case for cases in seen_elsewhere.values() for case in cases)
    return TriageReport(
        case=session.scalar(select(case_shown(viewer)).where(Case.id == seizure.case_id)) or "",
        seizure=seizure.name,
        generated_at=utcnow(),
        summary=summary,
        media=len(media),
        classes={name: classes[name] for name in CLASSES},
        by_category={k: len(v) for k, v in sorted(by_category.items())},
        by_bank={k: len(v) for k, v in sorted(by_bank.items())},
        other_cases=dict(sorted(elsewhere.items())),
        series=[
            SeriesFound(
                name,
                len(series_media[name]),
                _victim_identified(series_victim[name]),
                sorted(series_banks[name]),
            )
            for name in sorted(series_media)
        ],
        low_quality_pictures=low_pictures,
        low_quality_frames=low_frames,
        new_media=[_new_media(by_id[i], paths.get(i, "")) for i in new_ids],
        category_labels=labels,
        alerts=list_alerts(session, viewer, seizure.id),
    )


def _victim_identified(flags: list[bool | None]) -> bool | None:
    """Identified if any bank says so; not identified if some say no and none yes."""
    if any(flag is True for flag in flags):
        return True
    return False if any(flag is False for flag in flags) else None


def _new_media(media: Row[Any], path: str) -> NewMedia:
    return NewMedia(
        media.id,
        path,
        media.kind,
        media.format,
        media.width,
        media.height,
        media.sha256,
        media.md5,
        media.pdq,
    )
