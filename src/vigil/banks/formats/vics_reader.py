"""Streaming a VICS JSON file: Media one at a time, with ``ijson``, never the whole file.

A hash set (``value`` = Media) is read in one pass. A case export (``value`` = Cases, each
with a ``Media`` list) is read in two: the first collects each Case's own fields and counts
its Media, skipping the Media themselves, so that every entry gets its Case's fields even
when a tool writes them after the Media list; the second streams the Media.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import ijson  # type: ignore[import-untyped]

from vigil.banks.formats.errors import BankFormatError
from vigil.banks.formats.fields import FieldError
from vigil.banks.formats.records import KnownHash, ListHeader
from vigil.banks.formats.textlines import open_list
from vigil.banks.formats.vics import (
    NAME_KEY,
    SOURCE_KEY,
    context_holds_cases,
    is_annotation,
    media_to_entry,
    scheme_from_context,
    without_annotations,
)

_BOM = b"\xef\xbb\xbf"
_CONTEXT_KEYS = ("@odata.context", "odata.metadata")
_HEADER_KEYS = (*_CONTEXT_KEYS, NAME_KEY, SOURCE_KEY)


def _open(path: Path) -> BinaryIO:
    handle = open_list(path)
    if handle.read(len(_BOM)) != _BOM:
        handle.seek(0)
    return handle


def _broken(path: Path, location: str | None, error: Exception) -> BankFormatError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return BankFormatError(str(path), location, f"the JSON is cut short or malformed ({detail})")


@dataclass
class _Top:
    """What a VICS file says before its ``value`` list."""

    strings: dict[str, str]
    cases: bool


def _first_item_is_case(events: Iterator[tuple[str, str, Any]]) -> bool:
    for prefix, event, value in events:
        if prefix == "value.item" and event == "map_key":
            if value == "Media":
                return True
        elif prefix in ("value", "value.item") and event != "start_map":
            return False
    return False


def _read_top(path: Path) -> _Top:
    strings: dict[str, str] = {}
    with _open(path) as handle:
        try:
            events = ijson.parse(handle, use_float=True)
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise BankFormatError(str(path), None, "is not a VICS file (not a JSON object)")
            for prefix, event, value in events:
                if prefix in _HEADER_KEYS and event == "string":
                    strings[prefix] = value
                elif prefix == "value":
                    if event != "start_array":
                        raise BankFormatError(
                            str(path), None, "is not a list of Media or Cases", field="value"
                        )
                    context = next((strings[k] for k in _CONTEXT_KEYS if k in strings), "")
                    cases = context_holds_cases(context)
                    if cases is None:
                        cases = _first_item_is_case(events)
                    return _Top(strings, cases)
        except ijson.JSONError as exc:
            raise _broken(path, None, exc) from None
    raise BankFormatError(str(path), None, "has no 'value' list of Media or Cases")


def _entry(path: Path, location: str, media: object, case: dict[str, Any] | None) -> KnownHash:
    if not isinstance(media, dict):
        raise BankFormatError(str(path), location, "is not a JSON object (a VICS Media)")
    try:
        return media_to_entry(media, case)
    except FieldError as problem:
        raise problem.at(path, location) from None


def _hash_set(path: Path) -> Iterator[KnownHash]:
    with _open(path) as handle:
        media = iter(ijson.items(handle, "value.item", use_float=True))
        number = 0
        while True:
            location = f"record {number + 1}"
            try:
                item = next(media)
            except StopIteration:
                return
            except ijson.JSONError as exc:
                raise _broken(path, location, exc) from None
            number += 1
            yield _entry(path, location, item, None)


def _cases(path: Path) -> list[tuple[dict[str, Any], int]]:
    """Each Case's own fields (annotations dropped) and how many Media it lists."""
    cases: list[tuple[dict[str, Any], int]] = []
    case: dict[str, Any] = {}
    key: str | None = None
    builder: Any = None
    count = 0
    with _open(path) as handle:
        try:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if prefix == "value.item":
                    if builder is not None and key is not None:
                        case[key] = without_annotations(builder.value)
                        builder = None
                    if event == "start_map":
                        case, key, count = {}, None, 0
                    elif event == "map_key":
                        key = value
                        if value != "Media" and not is_annotation(value):
                            builder = ijson.ObjectBuilder()
                    elif event == "end_map":
                        cases.append((case, count))
                    else:
                        location = f"case {len(cases) + 1}"
                        raise BankFormatError(
                            str(path), location, "is not a JSON object (a VICS Case)"
                        )
                elif builder is not None:
                    builder.event(event, value)
                elif key == "Media" and prefix == "value.item.Media.item" and event == "start_map":
                    count += 1
        except ijson.JSONError as exc:
            raise _broken(path, f"case {len(cases) + 1}", exc) from None
    return cases


def _case_media(path: Path) -> Iterator[KnownHash]:
    cases = _cases(path)
    with _open(path) as handle:
        media = iter(ijson.items(handle, "value.item.Media.item", use_float=True))
        for case_number, (case, count) in enumerate(cases, 1):
            for media_number in range(1, count + 1):
                location = f"case {case_number}, media {media_number}"
                try:
                    item = next(media)
                except (StopIteration, ijson.JSONError) as exc:
                    raise _broken(path, location, exc) from None
                yield _entry(path, location, item, case)


def read_vics(path: Path) -> tuple[ListHeader, Iterator[KnownHash]]:
    """A VICS 1.x or 2.0 file (hash set or case export): its header and lazily read entries.

    The start of the file is read at once, so a file that is not VICS fails here; a bad
    Media fails when the iteration reaches it, naming its record (or case and media).
    """
    top = _read_top(path)
    context = next((top.strings[k] for k in _CONTEXT_KEYS if k in top.strings), None)
    header = ListHeader(
        name=top.strings.get(NAME_KEY),
        source=top.strings.get(SOURCE_KEY),
        category_scheme=scheme_from_context(context) if context else None,
    )
    return header, _case_media(path) if top.cases else _hash_set(path)
