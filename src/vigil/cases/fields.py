"""Checking what users type into identification records: texts, choices, countries, dates,
coordinates and status moves, each refused with one line naming the field, the value and
what is allowed.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from vigil.cases.errors import IdentificationError, WorkflowError
from vigil.sharing.agencies import parse_country
from vigil.sharing.errors import AccountError
from vigil.store.models import utcnow

Choice = TypeVar("Choice", bound=StrEnum)
Status = TypeVar("Status", bound=StrEnum)


def today() -> date:
    """Today's date in UTC (what "not in the future" is measured against)."""
    return utcnow().date()


def text(field: str, value: str, limit: int) -> str:
    """``value`` stripped: IdentificationError when empty or longer than ``limit``."""
    cleaned = value.strip()
    if not cleaned:
        raise IdentificationError(f"{field}: must not be empty")
    if len(cleaned) > limit:
        raise IdentificationError(
            f"{field}: {cleaned[:40]!r}... is {len(cleaned)} characters long (at most {limit})"
        )
    return cleaned


def clean_text(value: str, field: str, limit: int, *, multiline: bool = False) -> str:
    """:func:`text`, also refused when holding control characters (line breaks and tabs
    allowed where ``multiline``)."""
    cleaned = text(field, value, limit)
    for position, char in enumerate(cleaned, start=1):
        if unicodedata.category(char) in ("Cc", "Cf") and not (multiline and char in "\n\t"):
            raise IdentificationError(
                f"{field}: control character U+{ord(char):04X} at character {position}; remove it"
            )
    return cleaned


def optional_text(field: str, value: str | None, limit: int) -> str | None:
    """``value`` stripped, None for None or blank; IdentificationError beyond ``limit``."""
    if value is None or not value.strip():
        return None
    return text(field, value, limit)


def choice(field: str, value: str | Choice, kind: type[Choice]) -> Choice:
    """``value`` as a member of ``kind``: IdentificationError naming the choices."""
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise IdentificationError(f"{field}: {value!r} is not one of {choices}") from None


def country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code (upper case), as agencies take it."""
    try:
        return parse_country(value)
    except AccountError as exc:
        raise IdentificationError(str(exc)) from None


def optional_country(value: str | None) -> str | None:
    """:func:`country`, or None for None or blank."""
    return None if value is None or not value.strip() else country(value)


def past_day_or_today(field: str, value: str | date | None) -> date:
    """:func:`past_day`, or today when None."""
    return today() if value is None else past_day(field, value)


def day(field: str, value: str | date) -> date:
    """A date given as ``YYYY-MM-DD`` (or a date): IdentificationError otherwise."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise IdentificationError(f"{field}: {value!r} is not a date (YYYY-MM-DD)") from None


def past_day(field: str, value: str | date) -> date:
    """:func:`day`, refused when after today."""
    parsed = day(field, value)
    if parsed > today():
        raise IdentificationError(f"{field}: {parsed.isoformat()} is in the future")
    return parsed


def moment(field: str, value: str | datetime) -> datetime:
    """A time given as ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (UTC unless it says), not in
    the future."""
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise IdentificationError(
                f"{field}: {value!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=utcnow().tzinfo)
    if parsed > utcnow():
        raise IdentificationError(f"{field}: {parsed.isoformat()} is in the future")
    return parsed


def check_move(
    what: str, current: Status, wanted: Status, allowed: dict[Status, tuple[Status, ...]]
) -> None:
    """WorkflowError unless ``current`` may become ``wanted``: the message gives the reason
    and the statuses allowed next (``allowed`` lists the statuses in workflow order)."""
    following = allowed[current]
    if wanted in following:
        return
    choices = ", ".join(status.value for status in following) or "none (it is final)"
    order = list(allowed)
    earlier = order.index(wanted) <= order.index(current)
    reason = "a status never goes back" if earlier else "the workflow does not allow it"
    raise WorkflowError(
        f"status: {what} is {current.value} and cannot become {wanted.value} ({reason}); "
        f"allowed next: {choices}"
    )


def coordinates(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    """A position: both or neither, latitude within ±90 and longitude within ±180."""
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise IdentificationError(f"{missing}: give both lat and lon, or neither")
    if lat is not None and not -90.0 <= lat <= 90.0:
        raise IdentificationError(f"lat: {lat} is not a latitude (-90 to 90)")
    if lon is not None and not -180.0 <= lon <= 180.0:
        raise IdentificationError(f"lon: {lon} is not a longitude (-180 to 180)")
    return lat, lon


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, date | datetime) else value


def apply_changes(row: object, values: dict[str, object]) -> dict[str, object]:
    """Set each of ``values`` on ``row``; the changed ones as history detail,
    ``{"field": {"from": old, "to": new}}`` (JSON values). Nothing changed: ``{}``."""
    changed: dict[str, object] = {}
    for name, value in values.items():
        old = getattr(row, name)
        if old != value:
            setattr(row, name, value)
            changed[name] = {"from": _json(old), "to": _json(value)}
    return changed
