"""The triage report's renderers lay out the same numbers in every format."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest

from vigil.reports.render import FORMATS, render
from vigil.reports.summary import SeizureSummary
from vigil.reports.triage import NewMedia, SeriesFound, TriageReport


def sample_report() -> TriageReport:
    summary = SeizureSummary(
        files=12,
        bytes=1000,
        media=10,
        media_by_kind={"image": 8, "other": 2, "video": 1},
        media_by_format={"jpeg": 8},
        duplicates=1,
        errors=1,
        errors_by_reason={"decode: jpeg: truncated": 1},
    )
    return TriageReport(
        case="C<1>",
        seizure="phone & card",
        generated_at=datetime(2026, 11, 29, tzinfo=UTC),
        summary=summary,
        media=10,
        classes={
            "known_exact": 2,
            "known_near": 1,
            "other_cases": 2,
            "held_elsewhere": 1,
            "new": 4,
        },
        by_category={"1": 3},
        by_bank={"national": 3},
        other_cases={"C2": 2},
        series=[SeriesFound("Series <A>", 2, True, ["national"])],
        low_quality_pictures=1,
        low_quality_frames=3,
        new_media=[
            NewMedia(7, "DCIM/<IMG_1>.jpg", "image", "jpeg", 640, 480, "a" * 64, "b" * 32, None)
        ],
    )


def test_json_has_counts_and_percentages() -> None:
    document = json.loads(render(sample_report(), "json"))
    assert document["classes"] == {
        "known_exact": 2,
        "known_near": 1,
        "other_cases": 2,
        "held_elsewhere": 1,
        "new": 4,
    }
    assert document["percentages"]["new"] == pytest.approx(40.0)
    assert document["percentages"]["held_elsewhere"] == pytest.approx(10.0)
    assert document["series"][0]["victim_identified"] is True
    assert document["new_media"][0]["path"] == "DCIM/<IMG_1>.jpg"


def test_csv_rows() -> None:
    rows = list(csv.reader(io.StringIO(render(sample_report(), "csv"))))
    assert ["class", "known_exact", "2", "20.00"] in rows
    assert ["class", "held_elsewhere", "1", "10.00"] in rows
    assert ["series", "Series <A>", "2", "identified"] in rows
    assert ["low_quality", "video_frames", "3", ""] in rows
    assert rows[-3][:5] == ["DCIM/<IMG_1>.jpg", "image", "jpeg", "640", "480"]


def test_text_lists_classes_and_new_media() -> None:
    text = render(sample_report(), "text")
    assert re.search(r"known exactly\s+2\s+20\.0%", text)
    assert re.search(r"held by another agency\s+1\s+10\.0%", text)
    assert "ask through the hit notices" in text
    assert re.search(r"new\s+4\s+40\.0%", text)
    assert "Series <A>" in text
    assert "victim identified" in text
    assert "DCIM/<IMG_1>.jpg" in text
    # The quality floor named is the one matching applies (the registry's).
    assert "not fuzzy-matched (PDQ quality < 50): 1 pictures, 3 video frames" in text


def test_html_is_self_contained_and_escaped() -> None:
    html = render(sample_report(), "html")
    assert "<svg" in html
    assert len(re.findall(r'<rect class="bar"', html)) == 5
    assert 'data-class="held by another agency"' in html
    assert 'id="held-elsewhere"' in html
    assert "Series &lt;A&gt;" in html
    assert "<A>" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "(PDQ quality below 50): 1 pictures, 3 video frames." in html


def test_unknown_format() -> None:
    assert FORMATS == ("text", "json", "csv", "html")
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(sample_report(), "pdf")
