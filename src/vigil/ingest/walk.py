"""Walking a seizure folder safely: no symlink is followed and nothing blocks.

Paths are handled as bytes end to end, so names that are not valid UTF-8 survive intact.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator

from vigil.ingest.records import FileResult, FileTask, display_path


def _symlink_reason(root: bytes, path: bytes) -> str:
    try:
        target = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (not followed)"
        return f"broken symbolic link to {display_path(os.readlink(path))} (not followed)"
    if os.path.commonpath([root, target]) != root:
        return "symbolic link pointing outside the seizure (not followed)"
    inside = display_path(os.path.relpath(target, root))
    return f"symbolic link to {inside} within the seizure (not followed; ingested there)"


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device file"


def walk(root: bytes) -> Iterator[FileTask | FileResult]:
    """Yield every regular file under ``root`` as a task, and what cannot be read as a failure.

    ``root`` must be an absolute, resolved path. Entries come in a stable (sorted) order.
    """
    stack = [b""]
    while stack:
        reldir = stack.pop()
        directory = os.path.join(root, reldir) if reldir else root
        try:
            with os.scandir(directory) as entries:
                listed = sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            task = FileTask(relpath=reldir, size=0, mtime=0.0)
            yield FileResult.failed(task, "walk", f"cannot list folder: {exc.strerror}")
            continue
        for entry in listed:
            relpath = os.path.join(reldir, entry.name) if reldir else entry.name
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                task = FileTask(relpath=relpath, size=0, mtime=0.0)
                yield FileResult.failed(task, "walk", f"cannot stat: {exc.strerror}")
                continue
            task = FileTask(relpath=relpath, size=info.st_size, mtime=info.st_mtime)
            if stat.S_ISLNK(info.st_mode):
                yield FileResult.failed(task, "walk", _symlink_reason(root, entry.path))
            elif stat.S_ISDIR(info.st_mode):
                stack.append(relpath)
            elif stat.S_ISREG(info.st_mode):
                yield task
            else:
                reason = f"not a regular file ({_special_kind(info.st_mode)})"
                yield FileResult.failed(task, "walk", reason)
