"""The network: agencies, their users, API tokens, and the record of failed logins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vigil.store.models.base import Base, utcnow


class AgencyKind(StrEnum):
    """What an agency is in the network: the hub, a country's bureau, a unit or a partner."""

    CENTRAL_UNIT = "central_unit"
    NCB = "ncb"
    SPECIALISED_UNIT = "specialised_unit"
    PARTNER = "partner"


class Role(StrEnum):
    """What a user may do; a user may hold several."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"


class Scope(StrEnum):
    """What an API token may be used for (never more than its user's roles allow)."""

    READ = "read"
    WRITE = "write"
    LOOKUP = "lookup"
    ADMIN = "admin"


class Agency(Base):
    """A police unit or partner that owns data: an NCB, a specialised unit, the central unit."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Agencies from before kinds existed were the one local unit: a specialised unit.
    kind: Mapped[str] = mapped_column(
        String(20),
        default=AgencyKind.SPECIALISED_UNIT,
        server_default=AgencyKind.SPECIALISED_UNIT.value,
    )
    # ISO 3166-1 alpha-2; None only where nobody has said yet (the migrated LOCAL agency)
    # or for an international body (the central unit, some partners).
    country: Mapped[str | None] = mapped_column(String(2))
    # How to reach the agency about a hit or a referral, e.g. the NCB's duty desk.
    contact: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A person (or a partner's system) acting for one agency."""

    # "user" is reserved in PostgreSQL.
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Sorted Role values; a closed set too small to deserve a table of its own.
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # argon2id, in the PHC string format; None: the user cannot log in with a password.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    agency: Mapped[Agency] = relationship()


class ApiToken(Base):
    """A secret a program presents instead of a password: scoped, expiring, revocable.

    Only the SHA-256 of the secret is stored; ``prefix`` is its public part, to find the row.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # Sorted Scope values.
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """One failed login: the name that was tried (known or not) and where from.

    Rows are only ever added (concurrent server processes never contend for one row) and
    pruned once too old to matter; a successful login removes its account's rows.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
        Index("ix_login_failure_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
