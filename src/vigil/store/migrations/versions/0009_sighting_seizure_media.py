"""sightings indexed by seizure and media: a seizure's media read from the index alone

Revision ID: 0009
Revises: 0008

A seizure's summary and its triage grid, asked on every page view, read the media of the
seizure's sightings; with this index they no longer visit each sighting's row (about four
times faster at 100,000 media). Nothing that exists changes.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.create_index("ix_sighting_seizure_media", ["seizure_id", "media_id"], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("sighting", schema=None) as batch_op:
        batch_op.drop_index("ix_sighting_seizure_media")
