"""Telling a hash list's format from its first few kilobytes, never from its file name.

JSON with ``@odata.context`` or ``odata.metadata`` is VICS; a first line that is the ICSE
header is ICSE CSV; a first data line (blank lines and ``#`` comments skipped) of 64 hex
digits and a comma is ThreatExchange PDQ text; hex digits, or a ``md5:``-style prefix, make
a plain hash list. A file of nothing but blank lines and comments is an empty plain list.
"""

from __future__ import annotations

import re
from pathlib import Path

from vigil.banks.formats.errors import BankFormatError
from vigil.banks.formats.icse import is_icse_header
from vigil.banks.formats.textlines import open_list
from vigil.signals.base import HEX_DIGIT
from vigil.signals.registry import HEX_SIGNALS, PDQ

#: The formats Vigil reads and writes, by the names users give them.
FORMATS: tuple[str, ...] = ("vics", "icse-csv", "hashlist", "te-pdq")
PEEK_BYTES = 8192
_VICS_KEY = re.compile(r'"(?:@odata\.context|odata\.metadata)"\s*:')
_TE_PDQ = re.compile(rf"{HEX_DIGIT}{{{PDQ.hex_digits}}}\s*,", re.IGNORECASE)
_PREFIX_NAMES = "|".join([*(s.name for s in HEX_SIGNALS), "photodna"])
_HASHLIST = re.compile(rf"(?:{_PREFIX_NAMES})\s*:.*|{HEX_DIGIT}+", re.IGNORECASE)


def detect_format(path: Path) -> str:
    """The format (one of FORMATS) of the file at ``path``, judged by its content.

    Raises BankFormatError if the file cannot be read or looks like none of the formats.
    """
    with open_list(path) as handle:
        start = handle.read(PEEK_BYTES)
    # A multi-byte character cut by the peek must not make a good file look binary.
    text = start.decode("utf-8", errors="replace").removeprefix("\ufeff")
    if text.lstrip().startswith("{"):
        if _VICS_KEY.search(text):
            return "vics"
        raise BankFormatError(
            str(path),
            None,
            "is JSON but not VICS: no @odata.context or odata.metadata near its start",
        )
    lines = text.splitlines()
    if lines and is_icse_header(lines[0]):
        return "icse-csv"
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _TE_PDQ.match(stripped):
            return "te-pdq"
        if _HASHLIST.fullmatch(stripped):
            return "hashlist"
        raise BankFormatError(
            str(path),
            f"line {number}",
            f"starts no known hash list ({', '.join(FORMATS)}); name the format if it is one",
            value=stripped,
        )
    return "hashlist"
