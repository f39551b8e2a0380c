"""The pages' templates: autoescaped, and seizure names shown escaped."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from vigil.reports.escape import printable_value


def shown(value: object) -> object:
    """A value as a page shows it: markup a template made itself (a macro's output, whose
    values were each shown through here already) as it is, anything else printable."""
    return value if isinstance(value, Markup) else printable_value(value)


# Names from seizures are shown escaped (see vigil.reports.escape).
TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True),
        finalize=shown,
    )
)
STATIC_DIR = Path(__file__).parent / "static"
