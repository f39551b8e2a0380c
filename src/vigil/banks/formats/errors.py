"""The one error a hash-list file can cause: it names the file, the place, the field and value."""

from __future__ import annotations

from typing import Any

# Long values (a PhotoDNA hash, a whole line) are cut in messages so that one bad record
# does not fill a terminal; 33-character MD5s and the like are always shown whole.
_SHOWN = 80


def shown(value: object) -> str:
    """``value`` as quoted in a message: its repr, cut after a few dozen characters."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


class BankFormatError(ValueError):
    """A hash-list file cannot be read: the message says where, what, and why.

    ``str()`` reads like ``hashes.json: record 3: field MD5: 'abc…' is not an MD5 (32 hex
    digits, got 33)``; ``location`` is ``"line 12"``, ``"record 3"``, ``"case 2, media 5"``,
    or None when the whole file is at fault.
    """

    def __init__(
        self,
        path: str,
        location: str | None,
        reason: str,
        *,
        field: str | None = None,
        value: object = None,
    ) -> None:
        self.path = path
        self.location = location
        self.reason = reason
        self.field = field
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.path]
        if self.location:
            parts.append(self.location)
        if self.field:
            parts.append(f"field {self.field}")
        parts.append(self.reason if self.value is None else f"{shown(self.value)} {self.reason}")
        return ": ".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat the default pickling of exceptions, and errors cross
        # process boundaries when imports run on a worker pool.
        return (_rebuild, (self.path, self.location, self.reason, self.field, self.value))


def _rebuild(
    path: str, location: str | None, reason: str, field: str | None, value: object
) -> BankFormatError:
    return BankFormatError(path, location, reason, field=field, value=value)
