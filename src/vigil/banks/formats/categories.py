"""Category schemes: what a bank entry's category code means, as data.

A scheme maps codes (as text, the way files carry them) to labels. Categories are labels
only; adding a scheme is adding one CategoryScheme to ``SCHEMES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class CategoryScheme:
    """A named set of category codes and what each means."""

    name: str
    labels: Mapping[str, str]


VICS_US = CategoryScheme(
    "VICS-US",
    MappingProxyType(
        {
            "0": "non-pertinent",
            "1": "child abuse material",
            "2": "child exploitive (non-CAM) / age difficult",
            "3": "CGI / animation",
            "4": "comparison images",
        }
    ),
)

SCHEMES: Mapping[str, CategoryScheme] = MappingProxyType({VICS_US.name: VICS_US})


def scheme_for(name: str) -> CategoryScheme:
    """The scheme called ``name``; ValueError naming the known schemes if there is none."""
    try:
        return SCHEMES[name]
    except KeyError:
        known = ", ".join(sorted(SCHEMES))
        raise ValueError(f"unknown category scheme {name!r} (known: {known})") from None
