"""Every report format lists the files that failed; names from seizures cannot deceive."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from tests.ingest.seizuregen import build_bad, build_good
from tests.reports.test_render import sample_report
from vigil.ingest.pipeline import IngestRequest, ingest
from vigil.reports.errors import FileError, seizure_errors
from vigil.reports.escape import csv_cell, printable
from vigil.reports.render import render
from vigil.reports.triage import NewMedia, TriageReport
from vigil.sharing.actor import local_actor
from vigil.sharing.policy import resolve
from vigil.store.db import Store
from vigil.store.models import Seizure

RLO = "\u202e"


def report_with_errors(count: int) -> tuple[TriageReport, list[FileError]]:
    """The sample report with ``count`` failed files, the first with a hostile name."""
    report = sample_report()
    errors = [
        FileError(f"bad/{index:03d}.jpg", "decode", f"jpeg: truncated ({index})", 10)
        for index in range(count)
    ]
    errors[0] = FileError(f'=HYPERLINK("x")evil{RLO}gpj.exe', "read", "-1+2 @SUM(A1)", 0)
    summary = replace(report.summary, errors=count, errors_by_reason={"decode: jpeg": count})
    return replace(report, summary=summary), errors


def test_json_lists_every_failed_file() -> None:
    report, errors = report_with_errors(120)
    document = json.loads(render(report, "json", errors))
    assert len(document["failed_files"]) == 120
    assert document["failed_files"][5] == {
        "path": "bad/005.jpg",
        "stage": "decode",
        "reason": "jpeg: truncated (5)",
        "size": 10,
    }
    assert document["classes"]["new"] == 4
    assert f"evil{RLO}gpj.exe" in document["failed_files"][0]["path"]


def test_csv_lists_every_failed_file_as_inert_cells() -> None:
    report, errors = report_with_errors(120)
    rows = list(csv.reader(io.StringIO(render(report, "csv", errors))))
    start = rows.index(["error_path", "stage", "reason", "size"])
    listed = rows[start + 1 :]
    assert len(listed) == 120
    assert listed[7] == ["bad/007.jpg", "decode", "jpeg: truncated (7)", "10"]
    assert listed[0][0] == f'\'=HYPERLINK("x")evil{RLO}gpj.exe'
    assert listed[0][2] == "'-1+2 @SUM(A1)"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_csv_cell_rule() -> None:
    assert [csv_cell(v) for v in ("=1", "+1", "-1", "@a", "\tx", "\rx", "a=b", "")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\tx",
        "'\rx",
        "a=b",
        "",
    ]
    assert csv_cell(-3) == -3


def test_text_shows_the_first_failed_files_and_how_to_see_all() -> None:
    report, errors = report_with_errors(120)
    text = render(report, "text", errors)
    assert "Files that could not be ingested (120)" in text
    assert "  bad/049.jpg  decode: jpeg: truncated (49)" in text
    assert "bad/050.jpg" not in text
    assert "... 70 more: use --errors all, or --format json or csv" in text
    everything = render(report, "text", errors, errors_shown=None)
    assert "bad/119.jpg  decode: jpeg: truncated (119)" in everything
    assert "more: use --errors all" not in everything


def test_html_shows_the_first_failed_files_and_how_to_see_all() -> None:
    report, errors = report_with_errors(120)
    html = render(report, "html", errors, errors_shown=10)
    assert html.count("<td>decode</td>") == 9
    assert "<td>bad/009.jpg</td>" in html
    assert "bad/010.jpg" not in html
    assert '<p id="more-failed-files">110 more: use --errors all' in html


def test_text_and_html_show_control_characters_escaped() -> None:
    report, errors = report_with_errors(3)
    hostile = f"IMG{RLO}gpj.exe\x1b[31m\u200b\u2066x"
    report = replace(
        report,
        seizure=f"phone{RLO}",
        new_media=[NewMedia(1, hostile, "image", "jpeg", 1, 1, "a" * 64, "b" * 32, None)],
    )
    for fmt in ("text", "html"):
        shown = render(report, fmt, errors)
        assert RLO not in shown
        assert "\x1b" not in shown
        assert "\u200b" not in shown
        assert "\u2066" not in shown
        assert "IMG\\u202egpj.exe\\x1b[31m\\u200b\\u2066x" in shown
        assert "evil\\u202egpj.exe" in shown
        assert "phone\\u202e" in shown


def test_printable_keeps_ordinary_text_of_any_script() -> None:
    assert printable("Straße 東京 مرحبا café 🙂 a b") == "Straße 東京 مرحبا café 🙂 a b"
    assert printable("a\nb\u202ec\U000e0001") == "a\\x0ab\\u202ec\\U000e0001"


def test_errors_stream_from_the_store_in_path_order(store: Store, tmp_path: Path) -> None:
    root = tmp_path / "card"
    build_good(root, images=2)
    expected = build_bad(root)
    ingest(store, IngestRequest(root=root, case_reference="OP-ERR", workers=1))
    with store.session() as session:
        seizure_id = session.scalars(select(Seizure.id)).one()
        viewer = resolve(session, local_actor())
        listed = list(seizure_errors(session, viewer, seizure_id))
    assert [e.path.encode() for e in listed] == sorted(bad.relpath for bad in expected)
    for error, bad in zip(listed, sorted(expected, key=lambda b: b.relpath), strict=True):
        assert error.stage == bad.stage
        assert bad.reason in error.reason
        # Decoders quote the path they read; the report names it within the seizure only.
        assert str(tmp_path) not in error.reason
