"""identification: series, victims, offenders, locations, missing-child reports, their
links and history, alerts, capture facts; cases gain status, priority and dates, seizures
a source and a seizure time

Revision ID: 0007
Revises: 0006

Existing cases become open and routine; nothing else that exists changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "history_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("by_user", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("history_entry", schema=None) as batch_op:
        batch_op.create_index("ix_history_record", ["record_type", "record_id", "at"], unique=False)

    op.create_table(
        "location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dissemination", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_location_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "media_capture",
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("camera", sa.String(length=800), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("taken_at", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
        ),
        sa.PrimaryKeyConstraint("media_id"),
    )
    with op.batch_alter_table("media_capture", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_capture_camera"), ["camera"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_capture_lat"), ["lat"], unique=False)

    op.create_table(
        "offender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dissemination", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("identified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "label", name="uq_offender_agency_label"),
    )
    with op.batch_alter_table("offender", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offender_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dissemination", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "name", name="uq_series_agency_name"),
    )
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "victim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dissemination", sa.String(length=20), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("identified_by_agency_id", sa.Integer(), nullable=True),
        sa.Column("identified_on", sa.Date(), nullable=True),
        sa.Column("rescued_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["identified_by_agency_id"],
            ["agency.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "label", name="uq_victim_agency_label"),
    )
    with op.batch_alter_table("victim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_victim_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "case_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "series_id"),
    )
    with op.batch_alter_table("case_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_series_series_id"), ["series_id"], unique=False)

    op.create_table(
        "media_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["location_id"], ["location.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("media_id", "location_id"),
    )
    with op.batch_alter_table("media_location", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_location_location_id"), ["location_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_media_location_media_id"), ["media_id"], unique=False)

    op.create_table(
        "series_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(length=100), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_id", "record_type", "record_id"),
    )
    with op.batch_alter_table("series_link", schema=None) as batch_op:
        batch_op.create_index("ix_series_link_record", ["record_type", "record_id"], unique=False)

    op.create_table(
        "series_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by", sa.String(length=100), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
        ),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_id", "media_id"),
    )
    with op.batch_alter_table("series_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_media_media_id"), ["media_id"], unique=False)

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seizure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("counterpart_type", sa.String(length=20), nullable=False),
        sa.Column("counterpart_id", sa.Integer(), nullable=False),
        sa.Column("evidence_key", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["media_id"],
            ["media.id"],
        ),
        sa.ForeignKeyConstraint(["seizure_id"], ["seizure.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "seizure_id", "kind", "media_id", "counterpart_type", "counterpart_id", "evidence_key"
        ),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index("ix_alert_seizure", ["seizure_id", "priority"], unique=False)

    op.create_table(
        "missing_child_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("dissemination", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("child_label", sa.String(length=200), nullable=False),
        sa.Column("sex", sa.String(length=10), nullable=False),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("missing_since", sa.Date(), nullable=False),
        sa.Column("last_seen_place", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=True),
        sa.Column("seizure_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["seizure_id"],
            ["seizure.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("seizure_id"),
    )
    with op.batch_alter_table("missing_child_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_missing_child_report_agency_id"), ["agency_id"], unique=False
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), server_default="open", nullable=False)
        )
        batch_op.add_column(
            sa.Column("priority", sa.String(length=10), server_default="routine", nullable=False)
        )
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))

    with op.batch_alter_table("seizure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("seized_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("seizure", schema=None) as batch_op:
        batch_op.drop_column("seized_at")
        batch_op.drop_column("source")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
        batch_op.drop_column("opened_on")
        batch_op.drop_column("priority")
        batch_op.drop_column("status")

    with op.batch_alter_table("missing_child_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_missing_child_report_agency_id"))

    op.drop_table("missing_child_report")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_seizure")

    op.drop_table("alert")
    with op.batch_alter_table("series_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_media_media_id"))

    op.drop_table("series_media")
    with op.batch_alter_table("series_link", schema=None) as batch_op:
        batch_op.drop_index("ix_series_link_record")

    op.drop_table("series_link")
    with op.batch_alter_table("media_location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_location_media_id"))
        batch_op.drop_index(batch_op.f("ix_media_location_location_id"))

    op.drop_table("media_location")
    with op.batch_alter_table("case_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_series_series_id"))

    op.drop_table("case_series")
    with op.batch_alter_table("victim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_agency_id"))

    op.drop_table("victim")
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_series_agency_id"))

    op.drop_table("series")
    with op.batch_alter_table("offender", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offender_agency_id"))

    op.drop_table("offender")
    with op.batch_alter_table("media_capture", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_capture_lat"))
        batch_op.drop_index(batch_op.f("ix_media_capture_camera"))

    op.drop_table("media_capture")
    with op.batch_alter_table("location", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_location_agency_id"))

    op.drop_table("location")
    with op.batch_alter_table("history_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_history_record")

    op.drop_table("history_entry")
