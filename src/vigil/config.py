"""Where Vigil keeps its data, read from the environment.

Every setting has an environment-variable twin so that the CLI, the web server and the tests
agree on one place for the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "VIGIL_DATA_DIR"
DATABASE_URL_ENV = "VIGIL_DATABASE_URL"
DEFAULT_DATA_DIR = Path("vigil-data")


@dataclass(frozen=True)
class Settings:
    """Resolved locations: the data directory and the database URL."""

    data_dir: Path
    database_url: str

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def sqlite_url(data_dir: Path) -> str:
    """The URL of the embedded SQLite database inside ``data_dir``."""
    return f"sqlite:///{(data_dir / 'vigil.db').resolve()}"


def load_settings(data_dir: Path | None = None, database_url: str | None = None) -> Settings:
    """Settings from explicit values, else the environment, else the defaults."""
    resolved_dir = data_dir or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
    url = database_url or os.environ.get(DATABASE_URL_ENV) or sqlite_url(resolved_dir)
    return Settings(data_dir=resolved_dir, database_url=url)
