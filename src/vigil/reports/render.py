"""The triage report as text, JSON, CSV or one self-contained HTML file.

Reports are written to a stream as they are laid out, so that the list of files that could
not be ingested, which may be long, is streamed from the store rather than held. Text and HTML
list the first ``errors_shown`` of them and say how to see the rest; JSON and CSV list all.
Text and HTML show control and bidirectional characters escaped; CSV cells never start a
formula (see :mod:`vigil.reports.escape`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from importlib.resources import files
from itertools import islice
from typing import Any, TextIO

from jinja2 import Environment, select_autoescape

from vigil.reports.errors import ERRORS_SHOWN, FileError
from vigil.reports.escape import csv_cell, printable, printable_value
from vigil.reports.triage import CLASS_LABELS, CLASSES, TriageReport
from vigil.signals.registry import PDQ

FORMATS = ("text", "json", "csv", "html")
#: Bar colours of the HTML chart, one per class (colour-blind safe, dark enough on white).
_COLOURS = {
    "known_exact": "#1b5e20",
    "known_near": "#558b2f",
    "other_cases": "#ef6c00",
    "held_elsewhere": "#4a148c",
    "new": "#b71c1c",
}
#: What the report says of media held by another agency: that, and nothing about them.
HELD_HINT = (
    "media held by another agency: ask through the hit notices (vigil hit list) whom to contact"
)


def write_report(
    report: TriageReport,
    fmt: str,
    stream: TextIO,
    errors: Iterable[FileError] = (),
    errors_shown: int | None = ERRORS_SHOWN,
) -> None:
    """Write the report in ``fmt`` (one of FORMATS) to ``stream``.

    ``errors`` are the seizure's failed files (see :func:`vigil.reports.errors.seizure_errors`);
    text and HTML list at most ``errors_shown`` of them (None: all).
    """
    if fmt == "text":
        write_text(report, stream, errors, errors_shown)
    elif fmt == "json":
        write_json(report.to_json(), "failed_files", errors, stream)
    elif fmt == "csv":
        write_csv(report, stream, errors)
    elif fmt == "html":
        write_html(report, stream, errors, errors_shown)
    else:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")


def render(
    report: TriageReport,
    fmt: str,
    errors: Iterable[FileError] = (),
    errors_shown: int | None = ERRORS_SHOWN,
) -> str:
    """The report in ``fmt`` (one of FORMATS) as one string."""
    buffer = io.StringIO()
    write_report(report, fmt, buffer, errors, errors_shown)
    return buffer.getvalue()


def headline(report: TriageReport) -> list[tuple[str, int, float]]:
    """The classes as (label, media, percentage of media)."""
    return [(CLASS_LABELS[name], report.classes[name], report.share(name)) for name in CLASSES]


def write_json(
    document: dict[str, Any], key: str, items: Iterable[FileError], stream: TextIO
) -> None:
    """``document`` with ``items`` streamed in as the list under ``key`` (the last member)."""
    head = json.dumps(document, indent=2)
    # An indented object ends with "\n}": the list goes in before that brace.
    stream.write(head[:-2] + ("," if document else "") + f"\n  {json.dumps(key)}: [")
    for index, item in enumerate(items):
        stream.write(("," if index else "") + "\n    " + json.dumps(item.to_json()))
    stream.write("\n  ]\n}\n")


def write_text(
    report: TriageReport,
    stream: TextIO,
    errors: Iterable[FileError] = (),
    errors_shown: int | None = ERRORS_SHOWN,
) -> None:
    """A plain-text report for a terminal or a case file; every line shown escaped."""
    for line in _text_lines(report, errors, errors_shown):
        stream.write(printable(line) + "\n")


def _text_lines(
    report: TriageReport, errors: Iterable[FileError], errors_shown: int | None
) -> Iterator[str]:
    s = report.summary
    yield f"Triage report: case {report.case}, seizure {report.seizure}"
    yield f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC"
    yield ""
    yield (
        f"files {s.files:,}   pictures and videos {report.media:,}   "
        + "   ".join(f"{kind} {count:,}" for kind, count in s.media_by_kind.items())
        + f"   errors {s.errors:,}"
    )
    yield ""
    yield from (f"{label:<26}{n:>10,}  {share:6.1f}%" for label, n, share in headline(report))
    if report.classes["held_elsewhere"]:
        yield HELD_HINT
    if report.alerts:
        yield from ["", f"Alerts ({len(report.alerts):,}), highest priority first"]
        for alert in report.alerts:
            yield f"  {alert.priority}. {alert.headline()}"
            yield f"     {alert.evidence_line()}"
    if report.low_quality_pictures or report.low_quality_frames:
        yield (
            f"not fuzzy-matched (PDQ quality < {PDQ.quality_floor}): "
            f"{report.low_quality_pictures:,} pictures, "
            f"{report.low_quality_frames:,} video frames"
        )
    for title, counts in (
        ("By category", report.categories_shown()),
        ("By bank", report.by_bank),
        ("Other cases", report.other_cases),
    ):
        if counts:
            yield from ["", title]
            yield from (f"  {name:<48}{count:>8,}" for name, count in counts.items())
    if report.series:
        yield from ["", "Known series found"]
        yield from (
            f"  {x.name:<30}{x.media:>6,} media   victim {_victim(x.victim_identified)}"
            for x in report.series
        )
    if s.errors_by_reason:
        yield from ["", "Errors"]
        yield from (f"  {r}: {n:,}" for r, n in s.errors_by_reason.items())
    yield from ["", f"New media ({len(report.new_media):,}) for victim identification"]
    yield from (f"  {m.path}  {m.kind} {m.format}  sha256 {m.sha256}" for m in report.new_media)
    if s.errors:
        yield from ["", f"Files that could not be ingested ({s.errors:,})"]
        listed = 0
        for error in islice(errors, errors_shown):
            yield f"  {error.path}  {error.stage}: {error.reason}"
            listed += 1
        if listed < s.errors:
            yield f"  ... {s.errors - listed:,} more: {_MORE}"


_MORE = "use --errors all, or --format json or csv, to list them all"


def _victim(flag: bool | None) -> str:
    return {True: "identified", False: "not identified", None: "unknown"}[flag]


def write_csv(report: TriageReport, stream: TextIO, errors: Iterable[FileError] = ()) -> None:
    """One row per figure (section, name, count, percentage), then one per new media, then
    one per file that could not be ingested. No cell starts a spreadsheet formula."""
    writer = csv.writer(stream, lineterminator="\n")

    def row(*cells: object) -> None:
        writer.writerow([csv_cell(cell) for cell in cells])

    row("section", "name", "count", "percent")
    row("seizure", f"{report.case}/{report.seizure}", report.media, "")
    for name in CLASSES:
        row("class", name, report.classes[name], f"{report.share(name):.2f}")
    for section, counts in (
        ("category", report.by_category),
        ("bank", report.by_bank),
        ("other_case", report.other_cases),
        ("error", report.summary.errors_by_reason),
    ):
        for name, count in counts.items():
            row(section, name, count, "")
    for series in report.series:
        row("series", series.name, series.media, _victim(series.victim_identified))
    row("low_quality", "pictures", report.low_quality_pictures, "")
    row("low_quality", "video_frames", report.low_quality_frames, "")
    row()
    row("alert_kind", "priority", "about", "headline", "path", "files", "signal", "evidence")
    for alert in report.alerts:
        e = alert.evidence
        row(
            alert.kind.value,
            alert.priority,
            alert.about,
            alert.headline(),
            e.get("path"),
            e.get("files"),
            e.get("signal"),
            alert.evidence_line(),
        )
    row()
    row("new_media_path", "kind", "format", "width", "height", "sha256", "md5", "pdq")
    for m in report.new_media:
        row(m.path, m.kind, m.format, m.width, m.height, m.sha256, m.md5, m.pdq)
    row()
    row("error_path", "stage", "reason", "size")
    for error in errors:
        row(error.path, error.stage, error.reason, error.size)


def write_html(
    report: TriageReport,
    stream: TextIO,
    errors: Iterable[FileError] = (),
    errors_shown: int | None = ERRORS_SHOWN,
) -> None:
    """One self-contained HTML file (no external resources) with a bar chart of the classes.

    Autoescaping makes names inert as markup; ``finalize`` shows control and bidirectional
    characters escaped, which autoescaping leaves to reorder the text around them.
    """
    environment = Environment(autoescape=select_autoescape(default=True), finalize=printable_value)
    template = environment.from_string(
        files("vigil.reports").joinpath("templates/triage.html").read_text(encoding="utf-8")
    )
    widest = max(report.classes.values(), default=0) or 1
    bars = [
        {
            "label": CLASS_LABELS[name],
            "count": report.classes[name],
            "share": report.share(name),
            "width": 400 * report.classes[name] / widest,
            "colour": _COLOURS[name],
            "y": 30 * i,
        }
        for i, name in enumerate(CLASSES)
    ]
    stream.writelines(
        template.generate(
            report=report,
            bars=bars,
            victim=_victim,
            errors=islice(errors, errors_shown),
            more_hint=_MORE,
            held_hint=HELD_HINT,
            quality_floor=PDQ.quality_floor,
        )
    )
