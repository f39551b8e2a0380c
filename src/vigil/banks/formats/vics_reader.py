"""Streaming a VICS JSON file: Media one at a time, with ``ijson``, never the whole file.

A hash set (``value`` = Media) is read in one pass. A case export (``value`` = Cases, each
with a ``Media`` list) is read in two: the first collects each Case's own fields and checks
its Media list, skipping the Media themselves, so that every entry gets its Case's fields
even when a tool writes them after the Media list; the second streams the Media.

Whatever the file's shape, memory and time stay bounded. ijson's prefixes grow with the
square of the nesting depth, so a guard between its tokenizer and the rest refuses JSON
nested deeper than MAX_DEPTH and property names longer than MAX_KEY; one record (a Media,
or a Case's own field) may span at most MAX_RECORD_BYTES of the file, which bounds what it
takes in memory, and no single value may be longer than that either.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ijson  # type: ignore[import-untyped]

from vigil.banks.formats.categories import CategoryScheme
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

#: Deepest JSON nesting read; a VICS case export needs about eight levels.
MAX_DEPTH = 32
#: Longest property name read; VICS names are a few dozen characters.
MAX_KEY = 1000
#: Most bytes one record, or one value anywhere, may span: a Media with EXIF and file lists
#: takes kilobytes, and ijson's time on one long string grows with the square of its length.
MAX_RECORD_BYTES = 1 << 20

_CHUNK = 64 * 1024
_BOM = b"\xef\xbb\xbf"
_CONTEXT_KEYS = ("@odata.context", "odata.metadata")
_HEADER_KEYS = (*_CONTEXT_KEYS, NAME_KEY, SOURCE_KEY)
_STARTS = frozenset({"start_map", "start_array"})
_STEPS = {"start_map": 1, "start_array": 1, "end_map": -1, "end_array": -1, "map_key": 0}
_ENDS = frozenset({"end_map", "end_array"})
# Depth (1 = the top object) of the containers that are records: the items of 'value' in a
# hash set; in a case export the items of a Case's Media list, and the Case's other fields.
_HASH_SET_RECORDS = 3
_CASE_MEDIA_RECORDS = 5
_CASE_FIELDS = 4
_NO_RECORDS = MAX_DEPTH + 1
_END = object()
_BACKEND = ijson.get_backend(ijson.backend)


class _ShapeError(Exception):
    """The file's shape is beyond what the reader takes; the reader adds file and place."""


class _Sink(list[Any]):
    """Where a pipeline's output collects until the reader takes it."""

    def send(self, item: Any) -> None:
        self.append(item)


class _Guard:
    """Between ijson's tokenizer and the stage after it: refuses what would grow unbounded.

    Called for every JSON event of the file, so it looks only at the structural ones.
    """

    def __init__(self, target: Any, record_depth: int) -> None:
        self.target = target.send
        self.record_depth = record_depth
        self.case_key: str | None = None
        self.depth = 0
        self.structure = 0  # structural events seen: a chunk without any is one long value
        self.position = 0  # bytes fed before the current chunk
        self.record_start: int | None = None

    def send(self, item: tuple[str, Any]) -> None:
        step = _STEPS.get(item[0])
        if step is not None:
            self.structure += 1
            if step > 0:
                self.depth += 1
                if self.depth > MAX_DEPTH:
                    raise _ShapeError(f"nests JSON deeper than {MAX_DEPTH} levels; VICS needs 8")
                if self._is_record():
                    self.record_start = self.position
            elif step < 0:
                if self._is_record():
                    self.record_start = None
                self.depth -= 1
            else:
                if len(item[1]) > MAX_KEY:
                    raise _ShapeError(f"has a property name of over {MAX_KEY:,} characters")
                if self.depth == _CASE_FIELDS - 1:
                    self.case_key = item[1]
        self.target(item)

    def _is_record(self) -> bool:
        """Whether the container just opened (or about to close) is a record."""
        if self.depth == self.record_depth:
            return True
        # A Case's own fields are built whole, like records; its Media list is streamed.
        return (
            self.record_depth == _CASE_MEDIA_RECORDS
            and self.depth == _CASE_FIELDS
            and self.case_key != "Media"
        )

    def check_chunk(self, size: int, structure_before: int, quiet: int) -> int:
        """After a chunk of ``size`` bytes: bytes read since the last structural event."""
        self.position += size
        quiet = quiet + size if self.structure == structure_before else 0
        if quiet > MAX_RECORD_BYTES:
            raise _ShapeError(f"holds a value of over {MAX_RECORD_BYTES:,} bytes; VICS has none")
        if self.record_start is not None and self.position - self.record_start > MAX_RECORD_BYTES:
            raise _ShapeError(f"spans more than {MAX_RECORD_BYTES:,} bytes; no VICS record does")
        return quiet


def _pipeline(path: Path, record_depth: int, stage: Callable[[_Sink], Any]) -> Iterator[Any]:
    """What ``stage`` (given ijson's parse events, guarded) puts out, chunk by chunk."""
    out = _Sink()
    guard = _Guard(stage(out), record_depth)
    tokens = _BACKEND.basic_parse_basecoro(guard, use_float=True)
    quiet = 0
    with open_list(path) as handle:
        data = handle.read(_CHUNK)
        data = data.removeprefix(_BOM)
        while True:
            before = guard.structure
            try:
                tokens.send(data)
            except StopIteration:
                data = b""
            except Exception:
                # What came before the fault is read first, so the error names its record.
                yield from out
                raise
            yield from out
            out.clear()
            if not data:
                return
            quiet = guard.check_chunk(len(data), before, quiet)
            data = handle.read(_CHUNK)


def _parse_events(path: Path, record_depth: int) -> Iterator[tuple[str, str, Any]]:
    return _pipeline(path, record_depth, lambda out: _BACKEND.parse_basecoro(out))


def _items(path: Path, prefix: str, record_depth: int) -> Iterator[Any]:
    return _pipeline(
        path,
        record_depth,
        lambda out: _BACKEND.parse_basecoro(_BACKEND.items_basecoro(out, prefix)),
    )


class _Place:
    """Where reading is in the file, and every way reading can fail as a BankFormatError."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location: str | None = None

    def __enter__(self) -> _Place:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if error is None or isinstance(error, BankFormatError):
            return
        if isinstance(error, _ShapeError):
            raise self.fail(str(error)) from None
        if isinstance(error, ijson.JSONError):
            text = str(error).strip()
            detail = text.splitlines()[0] if text else type(error).__name__
            raise self.fail(f"the JSON is cut short or malformed ({detail})") from None

    def fail(self, reason: str, *, field: str | None = None) -> BankFormatError:
        """The error for ``reason`` at the current location."""
        return BankFormatError(str(self.path), self.location, reason, field=field)


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
    with _Place(path) as place:
        events = _parse_events(path, _NO_RECORDS)
        first = next(events, None)
        if first is None or first[1] != "start_map":
            raise place.fail("is not a VICS file (not a JSON object)")
        for prefix, event, value in events:
            if prefix in _HEADER_KEYS and event == "string":
                strings[prefix] = value
            elif prefix == "value":
                if event != "start_array":
                    raise place.fail("is not a list of Media or Cases", field="value")
                context = next((strings[k] for k in _CONTEXT_KEYS if k in strings), "")
                cases = context_holds_cases(context)
                if cases is None:
                    cases = _first_item_is_case(events)
                return _Top(strings, cases)
    raise BankFormatError(str(path), None, "has no 'value' list of Media or Cases")


def _entry(
    place: _Place, media: object, case: dict[str, Any] | None, scheme: CategoryScheme | None
) -> KnownHash:
    if not isinstance(media, dict):
        raise place.fail("is not a JSON object (a VICS Media)")
    if case is None and "Media" in media:
        raise place.fail("is a Case (it has a Media list), but the file's context says Media")
    try:
        return media_to_entry(media, case, scheme)
    except FieldError as problem:
        raise problem.at(place.path, place.location or "") from None


def _hash_set(path: Path, scheme: CategoryScheme | None) -> Iterator[KnownHash]:
    with _Place(path) as place:
        items = _items(path, "value.item", _HASH_SET_RECORDS)
        for number in itertools.count(1):
            # Set before reading, so that a fault inside the record names it.
            place.location = f"record {number}"
            item = next(items, _END)
            if item is _END:
                return
            yield _entry(place, item, None, scheme)


def _build(events: Iterator[tuple[str, str, Any]], event: str, value: Any) -> Any:
    """The JSON value that starts with (``event``, ``value``), read from ``events``."""
    if event not in _STARTS:
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for _, inner, inner_value in events:
        builder.event(inner, inner_value)
        depth += 1 if inner in _STARTS else -1 if inner in _ENDS else 0
        if depth == 0:
            break
    return builder.value


def _cases(path: Path) -> list[tuple[dict[str, Any], int]]:
    """Each Case's own fields (annotations dropped) and how many items its Media list has.

    Every Case must have a Media list: a Case without one is most likely a Media in a file
    whose context says Cases, and skipping it would import part of the file.
    """
    cases: list[tuple[dict[str, Any], int]] = []
    case: dict[str, Any] = {}
    media: int | None = None
    field: str | None = None  # the prefix of the Case field being read
    with _Place(path) as place:
        events = _parse_events(path, _CASE_MEDIA_RECORDS)
        for prefix, event, value in events:
            if prefix == "value.item":
                place.location = f"case {len(cases) + 1}"
                field = f"value.item.{value}" if event == "map_key" else None
                if event == "start_map":
                    case, media = {}, None
                elif event == "end_map":
                    if media is None:
                        raise place.fail(
                            "has no Media list, yet the file's context says its 'value' holds "
                            "Cases; is it a hash set of Media?"
                        )
                    cases.append((case, media))
                elif event != "map_key":
                    raise place.fail("is not a JSON object (a VICS Case)")
            elif prefix == "value.item.Media":
                if event in ("start_array", "null"):
                    media = media or 0
                elif event != "end_array":
                    raise place.fail("is not a list of Media", field="Media")
            elif prefix == "value.item.Media.item":
                if event not in ("map_key", "end_map", "end_array"):
                    # Skipped here, read in the second pass; counted so that both agree.
                    media = (media or 0) + 1
                    place.location = f"case {len(cases) + 1}, media {media}"
            elif field is not None and prefix == field and event not in _ENDS:
                key = prefix.removeprefix("value.item.")
                if not is_annotation(key):
                    case[key] = without_annotations(_build(events, event, value))
    return cases


def _case_media(path: Path, scheme: CategoryScheme | None) -> Iterator[KnownHash]:
    cases = _cases(path)
    with _Place(path) as place:
        media = _items(path, "value.item.Media.item", _CASE_MEDIA_RECORDS)
        for case_number, (case, count) in enumerate(cases, 1):
            for media_number in range(1, count + 1):
                place.location = f"case {case_number}, media {media_number}"
                item = next(media, _END)
                if item is _END:
                    raise place.fail("is missing: the file changed while it was read")
                yield _entry(place, item, case, scheme)


def read_vics(
    path: Path, scheme: CategoryScheme | None = None
) -> tuple[ListHeader, Iterator[KnownHash]]:
    """A VICS 1.x or 2.0 file (hash set or case export): its header and lazily read entries.

    The start of the file is read at once, so a file that is not VICS fails here; a bad
    Media fails when the iteration reaches it, naming its record (or case and media).
    With ``scheme``, a Category outside it is a bad Media too.
    """
    top = _read_top(path)
    context = next((top.strings[k] for k in _CONTEXT_KEYS if k in top.strings), None)
    header = ListHeader(
        name=top.strings.get(NAME_KEY),
        source=top.strings.get(SOURCE_KEY),
        category_scheme=scheme_from_context(context) if context else None,
    )
    return header, _case_media(path, scheme) if top.cases else _hash_set(path, scheme)
