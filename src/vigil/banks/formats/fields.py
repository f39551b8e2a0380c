"""Checking one field of one record: hex hashes, yes/no flags, text, PDQ quality.

Each check returns the field's clean value (None when the field is empty) or raises
FieldError; the format readers add the file and the record and raise BankFormatError.
"""

from __future__ import annotations

from pathlib import Path

from vigil.banks.formats.errors import BankFormatError
from vigil.banks.formats.records import KnownHash
from vigil.signals.base import hex_problem
from vigil.signals.registry import SIGNAL_TYPES

# (digits, how a message names it) per hex signal of KnownHash, resolved once.
HEX_KINDS = {s.name: (s.hex_digits, s.noun) for s in SIGNAL_TYPES if s.hex_digits is not None}
_TRUE = frozenset({"true", "y", "yes", "1"})
_FALSE = frozenset({"false", "n", "no", "0"})


class FieldError(ValueError):
    """One field of a record is wrong; the reader says which file and record."""

    def __init__(self, field: str | None, value: object, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.value = value
        self.reason = reason

    def at(self, path: Path, location: str) -> BankFormatError:
        """The error for the user: this problem, in ``path`` at ``location``."""
        return BankFormatError(str(path), location, self.reason, field=self.field, value=self.value)


def hex_hash(value: object, kind: str, field: str) -> str | None:
    """The lower-case hex of a ``kind`` hash (a key of HEX_KINDS), or None if empty."""
    if value is None or value == "":
        return None
    digits, name = HEX_KINDS[kind]
    if not isinstance(value, str):
        raise FieldError(field, value, f"is not {name} (expected text of {digits} hex digits)")
    text = value.strip().lower()
    problem = hex_problem(text, digits)
    if problem is None:
        return text
    raise FieldError(field, value, f"is not {name} ({problem})")


def flag(value: object, field: str) -> bool | None:
    """A yes/no field: true/false, Y/N, yes/no or 1/0 in any case, or None if empty."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        if not word:
            return None
    raise FieldError(field, value, "is not a yes/no value (true/false, Y/N, yes/no or 1/0)")


def text(value: object, field: str) -> str | None:
    """A text field (numbers are taken as their digits), stripped; None if empty."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise FieldError(field, value, "is not text")
    return value.strip() or None


def quality(value: object, field: str) -> int | None:
    """A PDQ quality: a whole number from 0 to 100, or None if empty."""
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdecimal():
        number = int(value.strip())
    if number is None or not 0 <= number <= 100:
        raise FieldError(field, value, "is not a PDQ quality (a whole number from 0 to 100)")
    return number


def require_signal(entry: KnownHash, fields: str) -> KnownHash:
    """``entry`` itself if it carries a hash; FieldError naming the format's ``fields``."""
    if not entry.has_signal():
        raise FieldError(None, None, f"has no hash at all (it needs one of {fields})")
    return entry
