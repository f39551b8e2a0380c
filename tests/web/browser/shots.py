"""Screenshots of the pages, kept for people to look at (``$VIGIL_TEST_OUTPUT`` or
``test-output/`` at the repository's root)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from tests.web.browser.chromium import VIEWPORT

REPO_ROOT = Path(__file__).resolve().parents[3]


def output_dir() -> Path:
    """Where this run's screenshots go (made when missing)."""
    folder = Path(os.environ.get("VIGIL_TEST_OUTPUT") or REPO_ROOT / "test-output")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, name: str) -> Path:
    """Save what the 1366x768 window shows of ``page`` as ``<output>/<name>.png``."""
    path = output_dir() / f"{name}.png"
    page.set_viewport_size(VIEWPORT)
    page.screenshot(path=str(path))
    return path
