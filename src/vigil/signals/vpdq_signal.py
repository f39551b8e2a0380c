"""vPDQ as a signal type: its facts, how two videos compare, and its examples.

Meta's video signal: the PDQ hashes of frames sampled at a fixed rate. Hashing and the
frame-set measurement are in :mod:`vigil.signals.vpdq`; this module stays light to import
(no numpy, no video decoder), so that the CLI reads vPDQ's facts without loading them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vigil.signals import pdq_signal
from vigil.signals.base import Comparison, ContentKind, SignalExamples

if TYPE_CHECKING:
    from vigil.signals.vpdq import VpdqFrame

NAME = "vpdq"
#: The kinds of content this signal applies to.
CONTENT_TYPES: frozenset[ContentKind] = frozenset({"video"})
#: Two frames at most this many bits apart are the same picture (PDQ's threshold).
PDQ_MATCH_THRESHOLD = pdq_signal.MATCH_THRESHOLD
#: Frames of quality below this are flat (black, fades) and are not matched on.
QUALITY_THRESHOLD = pdq_signal.QUALITY_THRESHOLD
#: Share of the query video's frames that must match for the videos to count as a match
#: (python-threatexchange's query-match threshold of 80 %).
MATCH_SHARE = 0.8


# The methods import vigil.signals.vpdq when called: it loads numpy and the video decoder.
@dataclass(frozen=True, slots=True)
class VpdqSignalType:
    """vPDQ as a signal type (see :class:`vigil.signals.base.SignalType`): shares of frames.

    The query matches when at least ``threshold`` (a share) of its reliable frames are found
    in the other video; the distance is the share that is not found.
    """

    name: str = NAME
    title: str = "vPDQ"
    noun: str = "a vPDQ hash"
    content: frozenset[ContentKind] = CONTENT_TYPES
    exact: bool = False
    hex_digits: int | None = None
    quality_floor: int = QUALITY_THRESHOLD
    #: The smallest share of the query's frames found in the other video that is a match.
    default_threshold: float = MATCH_SHARE

    def parse(self, value: object) -> list[VpdqFrame]:
        """Frames from their stored JSON form (see :func:`vigil.signals.vpdq.to_json`)."""
        from vigil.signals.vpdq import from_json

        return from_json(value)

    def dump(self, value: list[VpdqFrame]) -> object:
        """Frames as JSON-ready lists (see :func:`vigil.signals.vpdq.to_json`)."""
        from vigil.signals.vpdq import to_json

        return to_json(value)

    def compute(self, path: Path) -> list[VpdqFrame]:
        """vPDQ of the video at ``path`` as ingest samples it (one frame a second)."""
        from vigil.signals.vpdq import hash_video

        return hash_video(path)

    def compare(
        self, a: list[VpdqFrame], b: list[VpdqFrame], threshold: int | float | None = None
    ) -> Comparison:
        """Whether enough of ``a``'s frames are found in ``b``."""
        from vigil.signals.vpdq import compare

        found = compare(a, b).a_in_b
        share = self.default_threshold if threshold is None else threshold
        return Comparison(matched=found >= share, distance=1.0 - found)

    def get_examples(self) -> SignalExamples[list[VpdqFrame]]:
        """Meta's three test videos: each matches itself and none another.

        No content examples: a video file is too large to keep in the package; the
        conformance tests hash Meta's own videos.
        """
        from vigil.signals.vpdq import get_examples

        return SignalExamples(groups=tuple((frames,) for frames in get_examples()))


VPDQ = VpdqSignalType()
