"""axe-core in the page: its serious and critical accessibility violations.

The script is the axe-core build the PyPI package ``axe-playwright-python`` ships (a pinned dev
dependency), read from the installed package: nothing is fetched from the network. The pages'
CSP forbids inline and foreign scripts, so axe is evaluated through the DevTools protocol
(``page.evaluate``), which the CSP does not govern.

axe files text of one or two characters (a key in ``<kbd>``, an icon) under "incomplete" rather
than "violations" even when it measured its contrast; a measured ratio below the minimum counts
here as a violation too.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
#: WCAG AA's contrast for normal text.
MINIMUM_CONTRAST = 4.5
_RUN = """async () => {
  const found = await axe.run(document, {resultTypes: ['violations', 'incomplete']});
  return {violations: found.violations, incomplete: found.incomplete};
}"""


@cache
def axe_source() -> str:
    """The text of axe.min.js (axe-core 4.x)."""
    return files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


def _measured_too_low(node: dict[str, Any]) -> bool:
    for check in node.get("any", []):
        ratio = (check.get("data") or {}).get("contrastRatio")
        if isinstance(ratio, int | float) and 0 < ratio < MINIMUM_CONTRAST:
            return True
    return False


def violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now, of any impact, with the contrast
    axe measured too low but left "incomplete"."""
    page.evaluate(axe_source())
    found: dict[str, list[dict[str, Any]]] = page.evaluate(_RUN)
    result = list(found["violations"])
    for unsure in found["incomplete"]:
        if unsure["id"] == "color-contrast":
            low = [node for node in unsure["nodes"] if _measured_too_low(node)]
            if low:
                result.append({**unsure, "nodes": low})
    return result


def describe(found: list[dict[str, Any]]) -> str:
    """One line per violation and the elements it was found on."""
    lines = []
    for violation in found:
        targets = ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)


def blocking_violations(page: Page) -> str:
    """The serious and critical violations described, or "" when there are none."""
    return describe([v for v in violations(page) if v["impact"] in BLOCKING])
