"""The terms of a referral: its priority and the time allowed to acknowledge it, and the
text a user writes into it (subject, body, outcome)."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from vigil.store.models import Priority

SUBJECT_MAX = 300
BODY_MAX = 20_000
OUTCOME_MAX = 2_000

#: The environment variables that set the due time of each priority.
DUE_ENV = {
    Priority.URGENT: "VIGIL_REFERRAL_DUE_URGENT",
    Priority.HIGH: "VIGIL_REFERRAL_DUE_HIGH",
    Priority.ROUTINE: "VIGIL_REFERRAL_DUE_ROUTINE",
}

_DURATION = re.compile(r"(\d{1,9})([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
# Characters that reorder or hide text: a subject must read as it was written.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ReferralError(ValueError):
    """A value given for a referral is refused; the message names the field and the value."""


@dataclass(frozen=True)
class DueTimes:
    """How long the recipient has to acknowledge a referral, by priority."""

    urgent: timedelta = timedelta(hours=1)
    high: timedelta = timedelta(hours=24)
    routine: timedelta = timedelta(days=7)

    def for_priority(self, priority: Priority) -> timedelta:
        """The time allowed for a referral of ``priority``."""
        return {
            Priority.URGENT: self.urgent,
            Priority.HIGH: self.high,
            Priority.ROUTINE: self.routine,
        }[Priority(priority)]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DueTimes:
        """The defaults, each replaced by its variable of :data:`DUE_ENV` when set."""
        environ = os.environ if environ is None else environ
        defaults = cls()
        chosen = {
            priority.value: (
                parse_duration(environ[name], name)
                if environ.get(name, "").strip()
                else defaults.for_priority(priority)
            )
            for priority, name in DUE_ENV.items()
        }
        return cls(**chosen)


def parse_duration(text: str, field: str) -> timedelta:
    """``text`` as a positive duration: seconds (``5400``) or with a unit (``90m``, ``2h``, ``3d``).

    ReferralError naming ``field`` and the value otherwise.
    """
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None or int(found.group(1)) == 0:
        raise ReferralError(
            f"{field}: {text!r} is not a duration (a positive number of seconds, "
            "or with a unit: 90m, 2h, 3d)"
        )
    return timedelta(seconds=int(found.group(1)) * _UNITS[found.group(2)])


def parse_priority(value: str) -> Priority:
    """The priority called ``value`` (any case), or a ReferralError naming the choices."""
    try:
        return Priority(value.strip().lower())
    except ValueError:
        choices = ", ".join(priority.value for priority in Priority)
        raise ReferralError(f"priority: {value!r} is not a priority (choose {choices})") from None


def clean_text(value: str, field: str, limit: int, *, multiline: bool) -> str:
    """``value`` stripped, or a ReferralError: empty, too long, or holding control characters.

    Line breaks and tabs are allowed where ``multiline``; characters that reorder or hide
    text (bidirectional overrides) never are.
    """
    text = value.strip()
    if not text:
        raise ReferralError(f"{field}: empty; write the {field}")
    if len(text) > limit:
        raise ReferralError(f"{field}: {len(text)} characters, at most {limit} allowed")
    for position, char in enumerate(text, start=1):
        allowed = multiline and char in "\n\t"
        if (unicodedata.category(char) == "Cc" and not allowed) or char in _BIDI:
            raise ReferralError(
                f"{field}: control character U+{ord(char):04X} at character {position}; remove it"
            )
    return text
