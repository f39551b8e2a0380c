"""welfare and triage: each user's daily exposure to media, the preview pass's record of each
media, and agencies' triage verdicts on their seizures' media

Revision ID: 0008
Revises: 0007

New tables only; nothing that exists changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "exposure_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reveals", sa.Integer(), nullable=False),
        sa.Column("media_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "day"),
    )
    with op.batch_alter_table("exposure_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exposure_day_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exposure_day_user_id"), ["user_id"], unique=False)

    op.create_table(
        "preview",
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"]),
        sa.PrimaryKeyConstraint("media_id"),
    )

    op.create_table(
        "triage_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seizure_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("by_user", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"]),
        sa.ForeignKeyConstraint(["seizure_id"], ["seizure.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seizure_id", "media_id"),
    )
    with op.batch_alter_table("triage_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_triage_mark_seizure_id"), ["seizure_id"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("triage_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_mark_seizure_id"))
    op.drop_table("triage_mark")
    op.drop_table("preview")
    with op.batch_alter_table("exposure_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exposure_day_user_id"))
        batch_op.drop_index(batch_op.f("ix_exposure_day_agency_id"))
    op.drop_table("exposure_day")
