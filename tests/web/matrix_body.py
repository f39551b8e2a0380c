"""A request body of the authorization matrix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Body:
    """A request body: JSON, or form fields (with files, for an upload)."""

    json: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None

    def kwargs(self) -> dict[str, Any]:
        if self.json is not None:
            return {"json": self.json}
        return {"data": self.form or {}, "files": self.files}
