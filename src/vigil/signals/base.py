"""What every signal type is: the protocol, the one comparison result, examples, hex checks.

A signal type is a small value object (see :mod:`vigil.signals.registry` for the list): its
name, the kinds of content it applies to, how to parse a stored value, how to compute it
from a file, how to compare two values, its default threshold and examples for tests and
demos. Callers read these facts from the registered object; no other module writes them
again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar, get_args

from vigil.media.sniff import Kind

#: The kinds of content a file can be, as sniffing its content tells them.
ContentKind = Kind
ANY_FILE: frozenset[ContentKind] = frozenset(get_args(Kind))

#: One lower-case hexadecimal digit, as a regular expression character class.
HEX_DIGIT = "[0-9a-f]"
_NOT_HEX = re.compile(f"[^{HEX_DIGIT[1:-1]}]")

V = TypeVar("V")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Comparison:
    """How two values of one signal compare: whether they match, and how far apart they are.

    ``distance`` is 0 for identical values; its unit is the signal's own (bits for PDQ, 1
    for any difference of an exact hash, the share of frames not found for vPDQ).
    """

    matched: bool
    distance: int | float


@dataclass(frozen=True)
class SignalExamples(Generic[T]):
    """Known values of a signal, for tests and demos.

    ``groups``: values within a group match each other, values of different groups do not.
    ``contents``: file contents with the value :meth:`SignalType.compute` gives for them.
    """

    groups: Sequence[Sequence[T]]
    contents: Sequence[tuple[bytes, T]] = field(default=())


class SignalType(Protocol[V]):
    """One kind of signal (hash) Vigil computes, stores and compares."""

    # Read-only properties, so that frozen dataclasses and plain classes both satisfy it.
    @property
    def name(self) -> str:
        """Lower-case name used in the store, the CLI and exchange formats ("pdq", "sha256")."""
        ...

    @property
    def title(self) -> str:
        """How people write its name ("SHA-256", "PDQ")."""
        ...

    @property
    def noun(self) -> str:
        """How messages name one value of it ("an MD5", "a PDQ hash")."""
        ...

    @property
    def content(self) -> frozenset[ContentKind]:
        """The kinds of content it applies to."""
        ...

    @property
    def exact(self) -> bool:
        """Whether two values match only when equal (a cryptographic hash)."""
        ...

    @property
    def hex_digits(self) -> int | None:
        """Hex digits of one value, for signals written as one hex string; None otherwise."""
        ...

    @property
    def quality_floor(self) -> int | None:
        """Values of quality below this are unreliable, never matched on; None if unrated."""
        ...

    @property
    def default_threshold(self) -> int | float:
        """The threshold :meth:`compare` applies when given none (its meaning is the signal's)."""
        ...

    def parse(self, value: object) -> V:
        """``value`` as stored or typed, in canonical form; ValueError naming the problem."""
        ...

    def dump(self, value: V) -> object:
        """``value`` in the JSON-able form it is stored in; :meth:`parse` reads it back."""
        ...

    def compute(self, path: Path) -> V:
        """The signal of the file at ``path`` (MediaError when the file cannot be read)."""
        ...

    def compare(self, a: V, b: V, threshold: int | float | None = None) -> Comparison:
        """How ``a`` (the query) compares with ``b`` at ``threshold`` (default if None)."""
        ...

    def get_examples(self) -> SignalExamples[V]:
        """Known values for tests and demos."""
        ...


def hex_problem(text: str, digits: int) -> str | None:
    """Why ``text`` (already lower case) is not ``digits`` hex digits, or None if it is."""
    if len(text) != digits:
        return f"{digits} hex digits, got {len(text)}"
    wrong = _NOT_HEX.search(text)
    if wrong is not None:
        return f"{digits} hex digits; {wrong.group()!r} is not one"
    return None


def parse_hex(value: object, digits: int, noun: str) -> str:
    """``value`` as ``digits`` lower-case hex digits; ValueError naming ``noun`` if not one."""
    if not isinstance(value, str):
        raise ValueError(f"not {noun} ({digits} hex digits): {value!r}")
    text = value.strip().lower()
    problem = hex_problem(text, digits)
    if problem is not None:
        raise ValueError(f"not {noun} ({problem}): {value!r}")
    return text
