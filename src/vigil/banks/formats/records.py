"""What a hash-list file holds: entries of known hashes, and what the file says about itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vigil.signals.registry import HEX_SIGNALS

#: The fields of KnownHash that are signals: an entry must carry at least one of them.
#: PhotoDNA is kept as given but never computed or compared, so it is not a signal type.
SIGNAL_FIELDS = (*(s.name for s in HEX_SIGNALS), "photodna")


@dataclass(frozen=True)
class KnownHash:
    """One entry of a hash list, as read from or written to a file.

    Hex hashes are lower case (MD5 32 digits, SHA-1 40, SHA-256 and PDQ 64); PhotoDNA is
    opaque text kept as given. ``category`` is a code of the bank's category scheme (for
    VICS-US, "0" to "4"). ``metadata`` holds everything else the file said about the entry,
    JSON-able, under the file format's own field names, so that it survives a round trip.
    """

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    photodna: str | None = None
    category: str | None = None
    series: str | None = None
    victim_identified: bool | None = None
    offender_identified: bool | None = None
    distributed: bool | None = None
    baseline: bool | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def has_signal(self) -> bool:
        """Whether the entry carries a hash at all (MD5, SHA-1, SHA-256, PDQ or PhotoDNA)."""
        return any(getattr(self, name) is not None for name in SIGNAL_FIELDS)


@dataclass(frozen=True)
class ListHeader:
    """What a hash-list file says about itself; any part may be unknown (None).

    ``category_scheme`` names a scheme of ``categories.SCHEMES`` when the file says which,
    e.g. "VICS-US" from a VICS 2.0 context URL ``…/2.0.xml/US/$metadata#Media``.
    """

    name: str | None
    source: str | None
    category_scheme: str | None
