"""The one error type media reading raises, so ingest can record it and go on."""


class MediaError(Exception):
    """A file could not be read as media.

    ``stage`` names the step that failed (``sniff``, ``decode``, ``metadata``, ``pdq``,
    ``vpdq``, ``read``) and ``reason`` says why in words an investigator can act on.
    """

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason
