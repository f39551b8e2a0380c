"""banks, bank entries and matches

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "bank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("dissemination", sa.String(length=20), nullable=False),
        sa.Column("category_scheme", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "bank_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bank_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_import_bank_id"), ["bank_id"], unique=False)

    op.create_table(
        "bank_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("pdq", sa.String(length=64), nullable=True),
        sa.Column("pdq_quality", sa.Integer(), nullable=True),
        sa.Column("photodna", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("series", sa.String(length=300), nullable=True),
        sa.Column("victim_identified", sa.Boolean(), nullable=True),
        sa.Column("offender_identified", sa.Boolean(), nullable=True),
        sa.Column("distributed", sa.Boolean(), nullable=True),
        sa.Column("baseline", sa.Boolean(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["bank_id"], ["bank.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["bank_import.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bank_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_entry_bank_id"), ["bank_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_entry_import_id"), ["import_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_entry_md5"), ["md5"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_entry_sha1"), ["sha1"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_entry_sha256"), ["sha256"], unique=False)

    op.create_table(
        "match",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("target_key", sa.String(length=40), nullable=False),
        sa.Column("bank_entry_id", sa.Integer(), nullable=True),
        sa.Column("other_media_id", sa.Integer(), nullable=True),
        sa.Column("signal", sa.String(length=10), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("variant", sa.String(length=40), nullable=True),
        sa.Column("query_share", sa.Float(), nullable=True),
        sa.Column("target_share", sa.Float(), nullable=True),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bank_entry_id"], ["bank_entry.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
        ),
        sa.ForeignKeyConstraint(
            ["other_media_id"],
            ["media.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("media_id", "target_key", "signal"),
    )
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_bank_entry_id"), ["bank_entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_match_media_id"), ["media_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_other_media_id"), ["other_media_id"], unique=False
        )

    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdq_variants", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_column("pdq_variants")

    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_other_media_id"))
        batch_op.drop_index(batch_op.f("ix_match_media_id"))
        batch_op.drop_index(batch_op.f("ix_match_bank_entry_id"))

    op.drop_table("match")
    with op.batch_alter_table("bank_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_entry_sha256"))
        batch_op.drop_index(batch_op.f("ix_bank_entry_sha1"))
        batch_op.drop_index(batch_op.f("ix_bank_entry_md5"))
        batch_op.drop_index(batch_op.f("ix_bank_entry_import_id"))
        batch_op.drop_index(batch_op.f("ix_bank_entry_bank_id"))

    op.drop_table("bank_entry")
    with op.batch_alter_table("bank_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_import_bank_id"))

    op.drop_table("bank_import")
    op.drop_table("bank")
