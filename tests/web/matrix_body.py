"""A request body of the authorization matrix, and how a record a call needs anew is made."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vigil.store.db import Store
from vigil.store.models import Level

#: Makes a record for the matrix: (store, owning agency's code, level) -> its id.
MakeRecord = Callable[[Store, str, Level], int]


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
