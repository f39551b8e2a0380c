"""The pages' templates: autoescaped, and seizure names shown escaped."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape

from vigil.reports.escape import printable_value

# Names from seizures are shown escaped (see vigil.reports.escape).
TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True),
        finalize=printable_value,
    )
)
STATIC_DIR = Path(__file__).parent / "static"
