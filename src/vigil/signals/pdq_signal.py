"""PDQ as a signal type: its facts, how two hashes compare, and its examples.

Meta's 256-bit perceptual image hash, written as 64 hex digits. The hashing itself is in
:mod:`vigil.signals.pdq`; this module stays light to import (no numpy, no decoders), so
that the CLI and the bank formats read PDQ's facts without loading an image stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vigil.media.errors import MediaError
from vigil.signals.base import Comparison, ContentKind, SignalExamples, parse_hex

NAME = "pdq"
#: The kinds of content this signal applies to.
CONTENT_TYPES: frozenset[ContentKind] = frozenset({"image"})
#: Two hashes at most this many bits apart are the same picture (Meta's recommended value).
MATCH_THRESHOLD = 31
#: Hashes of quality below this come from flat pictures and should not be matched on.
QUALITY_THRESHOLD = 50
HEX_LENGTH = 64
NOUN = "a PDQ hash"
#: PDQ of :func:`vigil.signals.pdq.example_png` (a generated picture), by Meta's reference.
EXAMPLE_PNG_PDQ = "7fc0dd0bfb52f50b6ec0644b9b52910b7fc0644cffc2912cd54a20b5442eabf5"


def validate_hex(value: object) -> str:
    """Return ``value`` as a canonical PDQ hex string; ValueError if it is not one."""
    return parse_hex(value, HEX_LENGTH, NOUN)


def compare(a_hex: str, b_hex: str, *, threshold: int | float = MATCH_THRESHOLD) -> Comparison:
    """Hamming distance between two PDQ hashes, matched when it is at most ``threshold``."""
    distance = (int(validate_hex(a_hex), 16) ^ int(validate_hex(b_hex), 16)).bit_count()
    return Comparison(matched=distance <= threshold, distance=distance)


def get_examples() -> list[str]:
    """Known PDQ hashes for tests and demos.

    Meta's published hashes of its benign bridge photograph: the original, then versions
    with raised saturation and heavy sharpening (a few bits away, so they match).
    """
    return [
        "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
        "d8f8f0cee0f4a84f0637022a038f67f0b36e2ed596631e1d33e6339c4e9c9b22",
        "d0f8f0cec0f4a84f0e370a22238f67f0b36a2ef596231e1d73e6a39c4e9c9b22",
    ]


@dataclass(frozen=True, slots=True)
class PdqSignalType:
    """PDQ as a signal type (see :class:`vigil.signals.base.SignalType`): a Hamming radius."""

    name: str = NAME
    title: str = "PDQ"
    noun: str = NOUN
    content: frozenset[ContentKind] = CONTENT_TYPES
    exact: bool = False
    hex_digits: int = HEX_LENGTH
    quality_floor: int = QUALITY_THRESHOLD
    #: The largest Hamming distance (bits) that is a match.
    default_threshold: int = MATCH_THRESHOLD

    def parse(self, value: object) -> str:
        """A PDQ hash as 64 lower-case hex digits; ValueError if it is not one."""
        return validate_hex(value)

    def dump(self, value: str) -> str:
        """The hex digits themselves."""
        return value

    def compute(self, path: Path) -> str:
        """PDQ of the picture at ``path`` as Meta's reference computes it."""
        from vigil.signals.pdq import hash_image_bytes  # the image stack, only when hashing

        try:
            data = path.read_bytes()
        except OSError as e:
            raise MediaError("read", f"cannot read {path}: {e.strerror or e}") from e
        return hash_image_bytes(data, "reference").hex

    def compare(self, a: str, b: str, threshold: int | float | None = None) -> Comparison:
        """Bits between ``a`` and ``b``; a match when at most ``threshold`` apart."""
        return compare(a, b, threshold=self.default_threshold if threshold is None else threshold)

    def get_examples(self) -> SignalExamples[str]:
        """Meta's bridge photograph and two edits of it; a generated picture of rings."""
        from vigil.signals.pdq import example_png  # the image stack, only when asked

        return SignalExamples(
            groups=(tuple(get_examples()), (EXAMPLE_PNG_PDQ,)),
            contents=((example_png(), EXAMPLE_PNG_PDQ),),
        )


PDQ = PdqSignalType()
