"""In-memory similarity indexes over signals, built from the store and kept in step with it."""

from vigil.index.codes import codes_from_hex
from vigil.index.pdq import PdqIndex

__all__ = ["PdqIndex", "codes_from_hex"]
