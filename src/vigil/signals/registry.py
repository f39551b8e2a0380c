"""The signal types Vigil knows, in one list: every other module reads their facts from here.

Adding a signal type is adding its module (implementing
:class:`vigil.signals.base.SignalType`) and one line to :data:`SIGNAL_TYPES`.
"""

from __future__ import annotations

from typing import Any

from vigil.signals.base import SignalType
from vigil.signals.crypto import MD5, SHA1, SHA256
from vigil.signals.pdq_signal import PDQ
from vigil.signals.vpdq_signal import VPDQ

__all__ = ["EXACT", "HEX_SIGNALS", "MD5", "PDQ", "SHA1", "SHA256", "SIGNAL_TYPES", "VPDQ"]

SIGNAL_TYPES: tuple[SignalType[Any], ...] = (SHA256, SHA1, MD5, PDQ, VPDQ)
"""Every signal type; the exact ones strongest first."""

EXACT: tuple[SignalType[Any], ...] = tuple(s for s in SIGNAL_TYPES if s.exact)
"""The exact-match (cryptographic) signal types, strongest first."""

HEX_SIGNALS: tuple[SignalType[Any], ...] = tuple(s for s in SIGNAL_TYPES if s.hex_digits)
"""The signal types whose values are one hex string each."""

_BY_NAME = {s.name: s for s in SIGNAL_TYPES}


def signal_type(name: str) -> SignalType[Any]:
    """The signal type called ``name``; ValueError listing the known names if none is."""
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        raise ValueError(f"unknown signal type {name!r} (known: {known})") from None
