"""A refusal from the domain, placed next to the form field it names."""

from __future__ import annotations


def field_error(exc: Exception, default: str) -> dict[str, str]:
    """``{field: message}`` for a refusal whose message reads ``field: ...`` (``display name``
    becomes ``display_name``), else for the form's ``default`` field."""
    message = str(exc)
    head, sep, _ = message.partition(":")
    name = head.strip().replace(" ", "_")
    return {name if sep and name.isidentifier() else default: message}
