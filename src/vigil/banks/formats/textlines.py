"""Reading a text hash list line by line: UTF-8, BOM tolerated, numbered lines, clear errors."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import BinaryIO

from vigil.banks.formats.errors import BankFormatError

_BOM = "\ufeff"


def open_list(path: Path) -> BinaryIO:
    """``path`` opened for reading; BankFormatError saying why when it cannot be."""
    try:
        return path.open("rb")
    except OSError as exc:
        raise BankFormatError(str(path), None, f"cannot be read ({exc.strerror})") from None


def numbered_lines(path: Path) -> Generator[tuple[int, str]]:
    """Each line of the file with its number (from 1), decoded, line ending kept.

    Lines are decoded one at a time so that a byte that is not UTF-8 is reported on its
    own line, not somewhere in the block around it.
    """
    with open_list(path) as handle:
        for number, raw in enumerate(handle, 1):
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
