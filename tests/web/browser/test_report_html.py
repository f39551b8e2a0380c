"""The HTML triage report in a real browser (the browser tests' one Chromium): self-contained,
with a bar per class."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route

from tests.reports.test_render import sample_report
from vigil.reports.render import render


def test_bar_chart_renders_offline(tmp_path: Path, browser: Browser) -> None:
    report = tmp_path / "report.html"
    report.write_text(render(sample_report(), "html"), encoding="utf-8")
    fetched: list[str] = []

    def record(route: Route) -> None:
        fetched.append(route.request.url)
        route.continue_()

    page = browser.new_page()
    page.route("**/*", record)
    page.goto(report.as_uri())
    bars = page.locator("rect.bar")
    widths = {
        bar.get_attribute("data-class"): bar.bounding_box()["width"]  # type: ignore[index]
        for bar in bars.all()
    }
    title = page.title()
    new_media = page.locator("#new-media tr").count()
    page.close()
    assert fetched == [report.as_uri()]  # nothing but the file itself
    assert title == "Triage report: C<1> / phone & card"
    # 2, 1, 2, 1 and 4 media: bars in proportion, the largest 400 px wide.
    assert widths["new"] == pytest.approx(400, abs=1)
    assert widths["known exactly"] == pytest.approx(200, abs=1)
    assert widths["known by near-duplicate"] == pytest.approx(100, abs=1)
    assert widths["seen in other cases"] == pytest.approx(200, abs=1)
    assert widths["held by another agency"] == pytest.approx(100, abs=1)
    assert new_media == 2  # header row and the one new picture
