"""The one error type media reading raises, so ingest can record it and go on."""


class MediaError(Exception):
    """A file could not be read as media.

    ``stage`` names the step that failed (``sniff``, ``decode``, ``metadata``, ``pdq``,
    ``vpdq``, ``read``) and ``reason`` says why in words an investigator can act on, on one
    line: decoders' own messages can span lines or carry a hostile file's control characters.
    """

    def __init__(self, stage: str, reason: str) -> None:
        if not reason.isprintable():
            reason = _one_line(reason)
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


def escape_unprintable(text: str) -> str:
    """``text`` with each character that is not printable shown as its Python escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _one_line(text: str) -> str:
    return escape_unprintable(" ".join(line.strip() for line in text.splitlines() if line.strip()))
