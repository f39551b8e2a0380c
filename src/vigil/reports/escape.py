"""Text from seizures and banks made safe to show and to open.

File names, bank names and error reasons come from the evidence and from other agencies:
a right-to-left override (U+202E) can make ``evil\u202egpj.exe`` read as ``evilexe.jpg``, and
a CSV cell starting with ``=`` is a formula to a spreadsheet. Every text Vigil shows passes
through :func:`printable`; every CSV cell it writes through :func:`csv_cell`.
"""

from __future__ import annotations

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every character Python does not deem printable shown as an escape.

    That is control characters, bidirectional and zero-width format characters, line and
    paragraph separators, lone surrogates and unassigned code points: ``\\u202e`` appears as
    those six characters. Ordinary letters of any script and the space are kept.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def printable_value(value: object) -> object:
    """A template value as shown: text through :func:`printable`, anything else as it is.

    The ``finalize`` of every Jinja environment that renders pages and reports: autoescaping
    makes names inert as markup, but leaves a right-to-left override to reorder the page.
    """
    return printable(value) if isinstance(value, str) else value


def csv_cell(value: object) -> object:
    """``value`` as a spreadsheet will not run it: text starting a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
