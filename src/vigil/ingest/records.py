"""What a worker learns about one file, handed to the single writer."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any


def display_path(raw: bytes) -> str:
    """A readable form of a path: bytes that are not UTF-8 appear as ``\\xNN``."""
    return raw.decode("utf-8", errors="backslashreplace")


def relative_reason(reason: str, root: bytes) -> str:
    """``reason`` naming files relative to the seizure ``root``, never by the server's paths.

    Decoders quote the path they were given (PyAV: ``... input: '/srv/x/clip.mp4'``); the
    root's prefix is taken out, and the root itself, where quoted alone, becomes ``.``.
    """
    for form in {display_path(root), os.fsdecode(root)}:
        if len(form) <= 1:  # a seizure at "/": its paths cannot be told from the server's
            continue
        reason = reason.replace(form.rstrip(os.sep) + os.sep, "")
        reason = re.sub(re.escape(form) + r"(?=[\s'\":,;)\]]|$)", ".", reason)
    return reason


@dataclass(frozen=True)
class FileTask:
    """One file to ingest: its path relative to the seizure root, as bytes."""

    relpath: bytes
    size: int
    mtime: float

    def absolute(self, root: bytes) -> bytes:
        """The path of this file on disk."""
        return os.path.join(root, self.relpath)


@dataclass(frozen=True)
class MediaRecord:
    """Hashes and metadata of one file's content."""

    sha256: str
    sha1: str
    md5: str
    size: int
    kind: str
    format: str
    mime: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_variants: dict[str, Any] | None = None
    vpdq: list[Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileResult:
    """The outcome for one file: a media record, or the stage and reason it failed."""

    task: FileTask
    media: MediaRecord | None = None
    error_stage: str | None = None
    error_reason: str | None = None
    sha256: str | None = None
    extension_mismatch: str | None = None

    @classmethod
    def failed(
        cls,
        task: FileTask,
        stage: str,
        reason: str,
        sha256: str | None = None,
        *,
        root: bytes | None = None,
    ) -> FileResult:
        """A result recording that ``task`` could not be ingested.

        Give the seizure ``root`` when ``reason`` may quote the file's absolute path (a
        decoder's message): the stored reason names it relative to the root.
        """
        if root is not None:
            reason = relative_reason(reason, root)
        return cls(task=task, error_stage=stage, error_reason=reason, sha256=sha256)
