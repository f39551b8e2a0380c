"""The triage report as text, JSON, CSV or one self-contained HTML file."""

from __future__ import annotations

import csv
import io
import json
from importlib.resources import files

from jinja2 import Environment, select_autoescape

from vigil.reports.triage import CLASS_LABELS, CLASSES, TriageReport

FORMATS = ("text", "json", "csv", "html")
#: Bar colours of the HTML chart, one per class (colour-blind safe, dark enough on white).
_COLOURS = {
    "known_exact": "#1b5e20",
    "known_near": "#558b2f",
    "other_cases": "#ef6c00",
    "new": "#b71c1c",
}


def render(report: TriageReport, fmt: str) -> str:
    """The report in ``fmt`` (one of FORMATS)."""
    if fmt == "text":
        return to_text(report)
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2) + "\n"
    if fmt == "csv":
        return to_csv(report)
    if fmt == "html":
        return to_html(report)
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")


def headline(report: TriageReport) -> list[tuple[str, int, float]]:
    """The four classes as (label, media, percentage of media)."""
    return [(CLASS_LABELS[name], report.classes[name], report.share(name)) for name in CLASSES]


def to_text(report: TriageReport) -> str:
    """A plain-text report for a terminal or a case file."""
    s = report.summary
    lines = [
        f"Triage report: case {report.case}, seizure {report.seizure}",
        f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC",
        "",
        f"files {s.files:,}   pictures and videos {report.media:,}   "
        + "   ".join(f"{kind} {count:,}" for kind, count in s.media_by_kind.items())
        + f"   errors {s.errors:,}",
        "",
    ]
    lines += [f"{label:<26}{count:>10,}  {share:6.1f}%" for label, count, share in headline(report)]
    if report.low_quality_pictures or report.low_quality_frames:
        lines.append(
            f"not fuzzy-matched (PDQ quality < 50): {report.low_quality_pictures:,} pictures, "
            f"{report.low_quality_frames:,} video frames"
        )
    for title, counts in (
        ("By category", report.categories_shown()),
        ("By bank", report.by_bank),
        ("Other cases", report.other_cases),
    ):
        if counts:
            lines += ["", title] + [f"  {name:<48}{count:>8,}" for name, count in counts.items()]
    if report.series:
        lines += ["", "Known series found"]
        lines += [
            f"  {x.name:<30}{x.media:>6,} media   victim {_victim(x.victim_identified)}"
            for x in report.series
        ]
    if s.errors_by_reason:
        lines += ["", "Errors"] + [f"  {r}: {n:,}" for r, n in s.errors_by_reason.items()]
    lines += ["", f"New media ({len(report.new_media):,}) for victim identification"]
    lines += [f"  {m.path}  {m.kind} {m.format}  sha256 {m.sha256}" for m in report.new_media]
    return "\n".join(lines) + "\n"


def _victim(flag: bool | None) -> str:
    return {True: "identified", False: "not identified", None: "unknown"}[flag]


def to_csv(report: TriageReport) -> str:
    """One row per figure (section, name, count, percentage), then one per new media."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "name", "count", "percent"])
    writer.writerow(["seizure", f"{report.case}/{report.seizure}", report.media, ""])
    for name in CLASSES:
        writer.writerow(["class", name, report.classes[name], f"{report.share(name):.2f}"])
    for section, counts in (
        ("category", report.by_category),
        ("bank", report.by_bank),
        ("other_case", report.other_cases),
        ("error", report.summary.errors_by_reason),
    ):
        for name, count in counts.items():
            writer.writerow([section, name, count, ""])
    for series in report.series:
        writer.writerow(["series", series.name, series.media, _victim(series.victim_identified)])
    writer.writerow(["low_quality", "pictures", report.low_quality_pictures, ""])
    writer.writerow(["low_quality", "video_frames", report.low_quality_frames, ""])
    writer.writerow([])
    writer.writerow(["new_media_path", "kind", "format", "width", "height", "sha256", "md5", "pdq"])
    for m in report.new_media:
        writer.writerow([m.path, m.kind, m.format, m.width, m.height, m.sha256, m.md5, m.pdq])
    return buffer.getvalue()


def to_html(report: TriageReport) -> str:
    """One self-contained HTML file (no external resources) with a bar chart of the classes."""
    environment = Environment(autoescape=select_autoescape(default=True))
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
    return template.render(report=report, bars=bars, victim=_victim)
