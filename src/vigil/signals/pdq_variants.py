"""PDQ variants: the hashes a picture is looked up with, so that turned, mirrored and
letterboxed copies are found too.

PDQ itself is not invariant to rotation or mirroring: a mirrored copy is typically ~128 bits
from its original. So a picture is queried with its own PDQ and its seven dihedral variants,
each standing for the picture turned or mirrored one way (see ``DIHEDRAL_NAMES``; a match
"via rotate90" means the query picture rotated 90 degrees counter-clockwise matches the
target, i.e. the query is the target rotated 90 degrees clockwise). When the picture has
uniform borders (letterbox or pillarbox bars, see :mod:`vigil.signals.unletterbox`), the
picture with its borders trimmed is hashed too, with its own eight variants.

All of it comes from one decode: the luma PDQ is computed from is sampled turned, mirrored
and trimmed and hashed again (about 0.2 ms a picture). Meta's ``compute_dihedral`` derives
the variants from the DCT instead, which misses turned copies of finely textured pictures
(see :mod:`vigil.signals.pdq_fast`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from vigil.media.image import DEFAULT_MAX_PIXELS, open_image_header
from vigil.signals.pdq import (
    MATCH_THRESHOLD,
    QUALITY_THRESHOLD,
    HashMode,
    PdqHash,
    decode_for_hashing,
    validate_hex,
)
from vigil.signals.pdq_fast import DIHEDRAL_NAMES, pdq_dihedral
from vigil.signals.unletterbox import find_picture_box_in_luma

IDENTITY = DIHEDRAL_NAMES[0]
#: Label prefix of the queries made from the picture with its borders trimmed.
UNLETTERBOXED = "unletterboxed"
JSON_VERSION = 1


@dataclass(frozen=True)
class PdqVariants:
    """The hashes an image is queried with: its own PDQ, its 7 other dihedral variants, and the
    same for its picture with uniform borders trimmed (when it had any)."""

    #: The image's own PDQ: what is stored as Media.pdq, equal to ``hash_image_bytes``'s.
    hash: PdqHash
    #: Variant name (DIHEDRAL_NAMES but "original") -> 64 hex digits.
    dihedral: Mapping[str, str]
    #: PDQ of the picture with its uniform borders trimmed; None when it had no border.
    unletterboxed: PdqHash | None = None
    #: Its 7 other variants, like ``dihedral`` ({} when ``unletterboxed`` is None).
    unletterboxed_dihedral: Mapping[str, str] = field(default_factory=dict)

    def queries(self, *, min_quality: int = QUALITY_THRESHOLD) -> list[tuple[str, str]]:
        """Every hash to query with, labelled, the image's own PDQ first.

        Labels are DIHEDRAL_NAMES, and "unletterboxed" or "unletterboxed+<name>" for the
        trimmed picture. The image's own hashes are always given (whether its quality allows
        fuzzy matching is the caller's call, as for Media.pdq); the trimmed picture's only when
        its quality is at least ``min_quality``. A hash equal to an earlier one is given once.
        """
        labelled = [(IDENTITY, self.hash.hex), *self.dihedral.items()]
        if self.unletterboxed is not None and self.unletterboxed.quality >= min_quality:
            labelled.append((UNLETTERBOXED, self.unletterboxed.hex))
            labelled += [
                (f"{UNLETTERBOXED}+{name}", hex_digits)
                for name, hex_digits in self.unletterboxed_dihedral.items()
            ]
        seen: set[str] = set()
        unique = []
        for label, hex_digits in labelled:
            if hex_digits not in seen:
                seen.add(hex_digits)
                unique.append((label, hex_digits))
        return unique

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, read back by :meth:`from_json`."""
        return {
            "version": JSON_VERSION,
            "original": _group_to_json(self.hash, self.dihedral),
            UNLETTERBOXED: None
            if self.unletterboxed is None
            else _group_to_json(self.unletterboxed, self.unletterboxed_dihedral),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "PdqVariants":
        """Read back :meth:`to_json`'s output; ValueError naming the fault if it is not one."""
        if not isinstance(value, Mapping) or value.get("version") != JSON_VERSION:
            raise ValueError(f"not PDQ variants of version {JSON_VERSION}: {value!r:.200}")
        own, dihedral = _group_from_json(value.get("original"), "original")
        trimmed = value.get(UNLETTERBOXED)
        if trimmed is None:
            return cls(own, dihedral)
        return cls(own, dihedral, *_group_from_json(trimmed, UNLETTERBOXED))


def _group_to_json(own: PdqHash, dihedral: Mapping[str, str]) -> dict[str, Any]:
    return {"pdq": own.hex, "quality": own.quality, "dihedral": dict(dihedral)}


def _group_from_json(value: Any, where: str) -> tuple[PdqHash, dict[str, str]]:
    expected = set(DIHEDRAL_NAMES[1:])
    try:
        own = PdqHash(validate_hex(value["pdq"]), int(value["quality"]))
        dihedral = {
            str(name): validate_hex(hex_digits) for name, hex_digits in value["dihedral"].items()
        }
    except (TypeError, KeyError, AttributeError, ValueError) as exc:
        raise ValueError(f"PDQ variants: bad {where!r} hashes ({exc})") from exc
    if set(dihedral) != expected:
        raise ValueError(
            f"PDQ variants: {where!r} must have the variants {sorted(expected)}, "
            f"not {sorted(dihedral)}"
        )
    return own, {name: dihedral[name] for name in DIHEDRAL_NAMES[1:]}


def hash_image_variants(
    data: bytes | Image.Image, mode: HashMode = "fast", *, max_pixels: int = DEFAULT_MAX_PIXELS
) -> PdqVariants:
    """PDQ of the image in ``data`` with its variants, decoding it once.

    ``data`` is the file's bytes or the image :func:`open_image_header` opened from them, not
    yet decoded. ``.hash`` equals ``hash_image_bytes(data, mode)``; the variants are hashed
    from the luma that mode decodes, in either mode, since they only serve as queries.
    Raises MediaError for files that cannot be decoded and ValueError for an unknown mode.
    """
    img = data if isinstance(data, Image.Image) else open_image_header(data, max_pixels=max_pixels)
    picture, reference = decode_for_hashing(img, mode)
    dihedral, quality = pdq_dihedral(picture)
    own = reference or PdqHash(dihedral[IDENTITY], quality)
    del dihedral[IDENTITY]
    box = find_picture_box_in_luma(picture.luma)
    if box is None:
        return PdqVariants(own, dihedral)
    trimmed, quality = pdq_dihedral(picture, (box.top, box.bottom, box.left, box.right))
    return PdqVariants(own, dihedral, PdqHash(trimmed.pop(IDENTITY), quality), trimmed)


def best_match(
    query: PdqVariants, target_hex: str, *, threshold: int = MATCH_THRESHOLD
) -> tuple[str, int] | None:
    """(label, distance) of the query hash closest to ``target_hex`` if within ``threshold``.

    None when no query hash is that close. On equal distances the earlier query wins, so the
    image's own PDQ is preferred to any variant.
    """
    target = int(validate_hex(target_hex), 16)
    best: tuple[str, int] | None = None
    for label, hex_digits in query.queries():
        distance = (int(hex_digits, 16) ^ target).bit_count()
        if distance <= threshold and (best is None or distance < best[1]):
            best = (label, distance)
    return best
