"""staged bank imports: a status and owner on each import, one import per file and bank

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Imports of the same file into the same bank that raced each other before this migration:
# their entries move to the earliest import, so that the unique index can be made without
# losing an entry or the matches and reviews hanging off it. Only the entries of such
# duplicates are touched: rewriting every row of a million-entry bank would take minutes on
# PostgreSQL and bloat the table.
_MERGE_DUPLICATES = (
    """
    UPDATE bank_entry SET import_id = (
        SELECT MIN(same.id) FROM bank_import AS same, bank_import AS this
        WHERE this.id = bank_entry.import_id
          AND same.bank_id = this.bank_id AND same.file_sha256 = this.file_sha256
    ) WHERE import_id IN (
        SELECT id FROM bank_import WHERE id NOT IN (
            SELECT MIN(id) FROM bank_import GROUP BY bank_id, file_sha256
        )
    )
    """,
    """
    DELETE FROM bank_import WHERE id NOT IN (
        SELECT MIN(id) FROM bank_import GROUP BY bank_id, file_sha256
    )
    """,
    """
    UPDATE bank_import SET entries = (
        SELECT COUNT(*) FROM bank_entry WHERE bank_entry.import_id = bank_import.id
    )
    """,
)


def upgrade() -> None:
    """Apply this migration."""
    # Plain ADD COLUMN (no batch rebuild of the table): every existing import is complete.
    op.add_column(
        "bank_import",
        sa.Column("status", sa.String(length=10), server_default="complete", nullable=False),
    )
    op.add_column("bank_import", sa.Column("owner", sa.String(length=200), nullable=True))
    for statement in _MERGE_DUPLICATES:
        op.execute(sa.text(statement))
    op.create_index("ix_bank_import_file", "bank_import", ["bank_id", "file_sha256"], unique=True)


def downgrade() -> None:
    """Revert this migration (imports still staging are dropped with their entries)."""
    op.execute(
        sa.text(
            "DELETE FROM bank_entry WHERE import_id IN "
            "(SELECT id FROM bank_import WHERE status <> 'complete')"
        )
    )
    op.execute(sa.text("DELETE FROM bank_import WHERE status <> 'complete'"))
    op.drop_index("ix_bank_import_file", table_name="bank_import")
    op.drop_column("bank_import", "owner")
    op.drop_column("bank_import", "status")
