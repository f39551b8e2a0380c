"""Small file systems for tests that need a disk to fill up or to turn read-only."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (e.g. "400k") mounted at ``path``; skips where mounting is denied."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        mounted = _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path))
    except FileNotFoundError:
        pytest.skip("no mount command: cannot make a small file system")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)


def remount(path: Path, options: str) -> None:
    """Change the options of the tmpfs at ``path`` (e.g. "size=8m" or "ro")."""
    result = _mount("-o", f"remount,{options}", str(path))
    assert result.returncode == 0, result.stderr
