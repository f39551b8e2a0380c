"""The core nouns of Vigil as SQLAlchemy 2 models, one module per area.

Every model is importable from here; importing this package registers every table with
``Base.metadata`` (which migrations compare the schema against).
"""

from vigil.store.models.audit import AuditEvent, AuditHead
from vigil.store.models.banks import Bank, BankEntry, BankImport, ImportStatus
from vigil.store.models.base import Base, utcnow
from vigil.store.models.cases import Case, IngestRun, Seizure
from vigil.store.models.matches import Match
from vigil.store.models.media import IngestError, Media, Sighting
from vigil.store.models.network import (
    GrantReason,
    HitNotice,
    Level,
    MatchReview,
    Priority,
    RecordType,
    Referral,
    ReferralRecord,
    ReferralStatus,
    ShareGrant,
    WebSession,
)
from vigil.store.models.sharing import (
    Agency,
    AgencyKind,
    ApiToken,
    LoginFailure,
    Role,
    Scope,
    User,
)

__all__ = [
    "Agency",
    "AgencyKind",
    "ApiToken",
    "AuditEvent",
    "AuditHead",
    "Bank",
    "BankEntry",
    "BankImport",
    "Base",
    "Case",
    "GrantReason",
    "HitNotice",
    "ImportStatus",
    "IngestError",
    "IngestRun",
    "Level",
    "LoginFailure",
    "Match",
    "MatchReview",
    "Media",
    "Priority",
    "RecordType",
    "Referral",
    "ReferralRecord",
    "ReferralStatus",
    "Role",
    "Scope",
    "Seizure",
    "ShareGrant",
    "Sighting",
    "User",
    "WebSession",
    "utcnow",
]
