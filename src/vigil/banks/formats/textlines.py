"""Opening a hash list safely and reading it line by line: UTF-8, BOM tolerated, clear errors.

Only regular files are opened for reading: a FIFO, a device, a directory or a socket would
block the reader forever or feed it without end. Lines are read with a length cap, so a
file without line breaks cannot make one line the size of the file in memory.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import BinaryIO

from vigil.banks.formats.errors import BankFormatError

_BOM = "\ufeff"
#: The longest line a text hash list may have; a hash line is under a hundred characters,
#: an ICSE row with a PhotoDNA hash a few kilobytes.
MAX_LINE_BYTES = 1 << 20
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_list(path: Path) -> BinaryIO:
    """``path`` opened for reading; BankFormatError saying why when it cannot be.

    Anything but a regular file is refused before it is opened, and the file is opened
    without blocking and checked again, in case it was swapped for a FIFO in between
    (opening a FIFO that has no writer would otherwise hang here).
    """
    try:
        _check_regular(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise BankFormatError(str(path), None, f"cannot be read ({exc.strerror})") from None
    try:
        _check_regular(path, os.fstat(fd).st_mode)
    except BankFormatError:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _check_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise BankFormatError(
            str(path), None, f"is {_kind(mode)}, not a regular file; give a hash-list file"
        )


def numbered_lines(path: Path) -> Generator[tuple[int, str]]:
    """Each line of the file with its number (from 1), decoded, line ending kept.

    Lines are decoded one at a time so that a byte that is not UTF-8 is reported on its
    own line, not somewhere in the block around it. A line longer than MAX_LINE_BYTES is
    an error rather than a line held whole in memory.
    """
    with open_list(path) as handle:
        number = 0
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise BankFormatError(
                    str(path),
                    f"line {number}",
                    f"is longer than {MAX_LINE_BYTES:,} bytes; no hash list has such lines",
                )
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BankFormatError(
                    str(path), f"line {number}", f"is not UTF-8 text (byte {exc.start + 1})"
                ) from None
            yield number, line.removeprefix(_BOM) if number == 1 else line


def data_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The stripped lines that are neither blank nor ``#`` comments, with their numbers."""
    for number, line in numbered_lines(path):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, stripped
