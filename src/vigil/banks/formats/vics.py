"""Project VIC's VICS JSON: one Media object to a KnownHash and back, and VICS 2.0 export.

Reading takes VICS 1.x (``odata.metadata``, OData v3 annotations such as ``odata.id`` and
``Category@odata.type``, PhotoDNA inside ``AlternativeHashes``) and VICS 2.0
(``@odata.context``, a top-level ``PhotoDNA``); every annotation is ignored. SHA-256 and PDQ
are taken from ``AlternativeHashes`` items named ``SHA256`` / ``PDQ`` (``SHA-256`` and other
spellings too). Every Media must have an ``MD5`` property; it may be null when the Media
carries another hash, which is how Vigil exports entries known only by PDQ or PhotoDNA.
Media properties Vigil has no field for (MediaID, RelativeFilePath, Comments, Tags, Exifs,
MediaFiles, unmapped AlternativeHashes, any unknown property...) go to the entry's metadata
under their own names; a case export's case fields go there too, under ``"case"``.

Export writes the VICS 2.0 hash-set shape, one Media per line: mapped fields, then the
metadata back as properties (except ``"case"``), SHA-256 and PDQ (with its ``Quality``) as
AlternativeHashes items. The list's name and source are written as the instance annotations
``@vigil.name`` / ``@vigil.source``, which other OData readers skip.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

from vigil.banks.formats.categories import CategoryScheme
from vigil.banks.formats.fields import FieldError, flag, hex_hash, quality, require_signal, text
from vigil.banks.formats.records import KnownHash, ListHeader

CONTEXT_2_0 = "http://github.com/ICMEC/ProjectVic/DataModels/2.0.xml/{scheme}/$metadata#Media"
NAME_KEY = "@vigil.name"
SOURCE_KEY = "@vigil.source"
CASE_KEY = "case"
_CONTEXT = re.compile(r"/DataModels/\d+(?:\.\d+)*\.xml(?:/(?P<scheme>[^/$#]+))?", re.IGNORECASE)
_SCHEME_SPELLING = {"us": "US", "uk": "UK", "default": "Default", "custom": "CUSTOM"}
# Category codes written as JSON numbers, as VICS tools expect (Edm.Int32).
_INT_CODE = re.compile(r"0|[1-9][0-9]{0,8}")
# Media properties (lower case) that map to KnownHash fields: (field, how to check it).
_PROPERTIES: dict[str, tuple[str, Callable[[object, str], Any]]] = {
    "md5": ("md5", lambda value, key: hex_hash(value, "md5", key)),
    "sha1": ("sha1", lambda value, key: hex_hash(value, "sha1", key)),
    "sha256": ("sha256", lambda value, key: hex_hash(value, "sha256", key)),
    "pdq": ("pdq", lambda value, key: hex_hash(value, "pdq", key)),
    "photodna": ("photodna", text),
    "category": ("category", lambda value, key: _category(value)),
    "series": ("series", text),
    "victimidentified": ("victim_identified", flag),
    "offenderidentified": ("offender_identified", flag),
    "isdistributed": ("distributed", flag),
    "baseline": ("baseline", flag),
}
_FLAG_PROPERTIES = {
    "victim_identified": "VictimIdentified",
    "offender_identified": "OffenderIdentified",
    "distributed": "IsDistributed",
    "baseline": "Baseline",
}
_ALTERNATIVES = {"photodna": "photodna", "sha256": "sha256", "pdq": "pdq"}
# Lower-cased property names that map to KnownHash fields, never to metadata.
_MAPPED = {*_PROPERTIES, "alternativehashes"}
_SIGNALS = "MD5, SHA1, PhotoDNA, or a SHA256 / PDQ alternative hash"


def is_annotation(key: str) -> bool:
    """Whether a JSON key is an OData annotation (``odata.id``, ``@odata.type``, ``X@y``)."""
    return "@" in key or key.startswith("odata.")


def without_annotations(value: Any) -> Any:
    """``value`` with OData annotations dropped from every object inside it.

    Recursive: the reader refuses JSON nested deeper than a few dozen levels before this
    sees it.
    """
    if isinstance(value, dict):
        return {k: without_annotations(v) for k, v in value.items() if not is_annotation(k)}
    if isinstance(value, list):
        return [without_annotations(item) for item in value]
    return value


def scheme_from_context(url: str) -> str | None:
    """The category scheme a context URL names: ``…/2.0.xml/US/$metadata#Media`` → VICS-US."""
    found = _CONTEXT.search(url)
    if found is None or not found["scheme"]:
        return None
    segment = found["scheme"]
    return f"VICS-{_SCHEME_SPELLING.get(segment.lower(), segment)}"


def context_holds_cases(url: str) -> bool | None:
    """Whether a context URL says its ``value`` holds Cases (True) or Media (False)."""
    fragment = url.rpartition("#")[2].lower() if "#" in url else ""
    if fragment.startswith("case"):
        return True
    return False if fragment.startswith("media") else None


def _category(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, str, type(None))):
        raise FieldError("Category", value, "is not a category code (a number or text)")
    return text(value, "Category")


def _alternative(name: object) -> str | None:
    """The KnownHash field an AlternativeHashes name fills (``SHA-256`` → sha256), if any."""
    if not isinstance(name, str):
        return None
    lowered = name.lower()
    if lowered in _ALTERNATIVES:
        return _ALTERNATIVES[lowered]
    return _ALTERNATIVES.get(re.sub(r"[\s_-]", "", lowered))


def _take_alternatives(value: object, fields: dict[str, Any], metadata: dict[str, Any]) -> None:
    if value is None:
        return
    shape = "is not a list of {HashName, HashValue} objects"
    if not isinstance(value, list):
        raise FieldError("AlternativeHashes", value, shape)
    kept = []
    for item in value:
        if not isinstance(item, dict):
            raise FieldError("AlternativeHashes", item, shape)
        item = without_annotations(item)
        name = item.get("HashName")
        target = _alternative(name)
        # A hash already known (from a top-level property) stays as the file gave it.
        if target is None or fields.get(target) is not None:
            kept.append(item)
            continue
        where = f"AlternativeHashes {name}"
        if target == "photodna":
            fields["photodna"] = text(item.get("HashValue"), where)
        else:
            fields[target] = hex_hash(item.get("HashValue"), target, where)
        if target == "pdq" and item.get("Quality") is not None:
            fields["pdq_quality"] = quality(item["Quality"], f"{where} Quality")
    if kept:
        metadata["AlternativeHashes"] = kept


def media_to_entry(
    media: Mapping[str, Any], case: Mapping[str, Any] | None, scheme: CategoryScheme | None = None
) -> KnownHash:
    """The entry of one VICS Media object (``case``: its Case's fields, if any).

    Raises FieldError naming the property at fault, and, given the ``scheme`` of the bank
    it goes to, for a Category that is not one of its codes.
    """
    fields: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    alternatives: object = None
    has_md5 = False
    for key, value in media.items():
        if is_annotation(key):
            continue
        name = key.lower()
        mapped = _PROPERTIES.get(name)
        if mapped is not None:
            fields[mapped[0]] = mapped[1](value, key)
            has_md5 = has_md5 or name == "md5"
        elif name == "alternativehashes":
            alternatives = value
        else:
            metadata[key] = without_annotations(value)
    if not has_md5:
        raise FieldError("MD5", None, "is missing (every VICS Media has an MD5 property)")
    _take_alternatives(alternatives, fields, metadata)
    code = fields.get("category")
    if scheme is not None and code is not None and code not in scheme.labels:
        codes = ", ".join(scheme.labels)
        raise FieldError("Category", code, f"is not a category of {scheme.name} (codes: {codes})")
    if case is not None:
        metadata[CASE_KEY] = case
    return require_signal(KnownHash(**fields, metadata=metadata), _SIGNALS)


def _alternatives(entry: KnownHash) -> list[Any]:
    items: list[Any] = []
    if entry.sha256 is not None:
        items.append({"HashName": "SHA256", "HashValue": entry.sha256})
    if entry.pdq is not None:
        pdq: dict[str, Any] = {"HashName": "PDQ", "HashValue": entry.pdq}
        if entry.pdq_quality is not None:
            pdq["Quality"] = entry.pdq_quality
        items.append(pdq)
    kept = entry.metadata.get("AlternativeHashes")
    return items + kept if isinstance(kept, list) else items


def entry_to_media(entry: KnownHash) -> dict[str, Any]:
    """The VICS 2.0 Media object of one entry (see the module docstring for what goes where)."""
    media: dict[str, Any] = {}
    if "MediaID" in entry.metadata:
        media["MediaID"] = entry.metadata["MediaID"]
    media["MD5"] = entry.md5
    if entry.sha1 is not None:
        media["SHA1"] = entry.sha1
    if entry.category is not None:
        code = entry.category
        media["Category"] = int(code) if _INT_CODE.fullmatch(code) else code
    if entry.series is not None:
        media["Series"] = entry.series
    for name, key in _FLAG_PROPERTIES.items():
        if getattr(entry, name) is not None:
            media[key] = getattr(entry, name)
    if entry.photodna is not None:
        media["PhotoDNA"] = entry.photodna
    alternatives = _alternatives(entry)
    if alternatives:
        media["AlternativeHashes"] = alternatives
    for key, value in entry.metadata.items():
        if key not in media and key != CASE_KEY and key.lower() not in _MAPPED:
            media[key] = value
    return media


def _context(header: ListHeader) -> str:
    scheme = header.category_scheme
    if scheme is None:
        segment = "US"
    elif scheme.startswith("VICS-"):
        segment = scheme.removeprefix("VICS-")
    else:
        segment = "CUSTOM"
    return CONTEXT_2_0.format(scheme=segment)


def write_vics(entries: Iterable[KnownHash], out: BinaryIO, header: ListHeader) -> int:
    """Write a VICS 2.0 hash set, one entry at a time; returns the entries written."""
    top: dict[str, str] = {"@odata.context": _context(header)}
    if header.name:
        top[NAME_KEY] = header.name
    if header.source:
        top[SOURCE_KEY] = header.source
    opening = json.dumps(top, ensure_ascii=False)[:-1] + ', "value": [\n'
    out.write(opening.encode("utf-8"))
    count = 0
    for count, entry in enumerate(entries, 1):
        separator = ",\n" if count > 1 else ""
        out.write((separator + json.dumps(entry_to_media(entry), ensure_ascii=False)).encode())
    out.write(b"\n]}\n")
    return count
