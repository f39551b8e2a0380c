"""The core nouns of Vigil as SQLAlchemy 2 models, one module per area.

Every model is importable from here; importing this package registers every table with
``Base.metadata`` (which migrations compare the schema against).
"""

from vigil.store.models.banks import Bank, BankEntry, BankImport, ImportStatus
from vigil.store.models.base import Base, utcnow
from vigil.store.models.cases import Agency, Case, IngestRun, Seizure
from vigil.store.models.matches import Match
from vigil.store.models.media import IngestError, Media, Sighting

__all__ = [
    "Agency",
    "Bank",
    "BankEntry",
    "BankImport",
    "Base",
    "Case",
    "ImportStatus",
    "IngestError",
    "IngestRun",
    "Match",
    "Media",
    "Seizure",
    "Sighting",
    "utcnow",
]
