"""The files of a seizure that could not be ingested: path, stage and reason of each.

A seizure of millions of files may hold many thousands of failures, so they are streamed from
the store in path order (the order of the seizure's unique index) and never all loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.sharing.policy import Viewer, check_seizure
from vigil.store.models import IngestError

#: Failed files listed by the text and HTML reports unless asked for more.
ERRORS_SHOWN = 50
#: Rows fetched from the database at a time while streaming.
_BATCH = 1000


@dataclass(frozen=True)
class FileError:
    """One file that could not be ingested: where it is in the seizure, at what stage, why."""

    path: str
    stage: str
    reason: str
    size: int | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return asdict(self)


def seizure_errors(session: Session, viewer: Viewer, seizure_id: int) -> Iterator[FileError]:
    """Every failed file of the seizure, by path, read from the store as it is iterated.

    NotVisibleError unless the viewer may see the seizure (asked before any is read).
    """
    check_seizure(session, viewer, seizure_id)
    return _stream(session, seizure_id)


def _stream(session: Session, seizure_id: int) -> Iterator[FileError]:
    rows = session.execute(
        select(IngestError.path, IngestError.stage, IngestError.reason, IngestError.size)
        .where(IngestError.seizure_id == seizure_id)
        .order_by(IngestError.path_raw)
        .execution_options(yield_per=_BATCH)
    )
    for path, stage, reason, size in rows:
        yield FileError(path, stage, reason, size)
