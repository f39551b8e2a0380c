"""network: ownership and dissemination of cases and seizures, grants, per-agency match
reviews, hit notices, referrals, browser sessions, bank names unique per agency

Revision ID: 0006
Revises: 0005

Existing cases and seizures stay with the agency that holds them, visible to it alone
(level ``owner``); existing verdicts become the reviews of the agency that owns the seizure
whose media the match is about. Bank names become unique within an agency instead of across
the network: refusing a name another agency's hidden bank holds would tell of that bank.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0002 left the bank name's unique constraint unnamed: PostgreSQL calls it bank_name_key,
# SQLite gives it no name, so the table rebuild SQLite needs names it the same way.
_BANK_NAMES = {"uq": "%(table_name)s_%(column_0_name)s_key"}


def _time(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    """Apply this migration."""
    op.add_column(
        "cases",
        sa.Column("dissemination", sa.String(length=20), server_default="owner", nullable=False),
    )
    op.add_column(
        "seizure",
        sa.Column("dissemination", sa.String(length=20), server_default="owner", nullable=False),
    )
    op.add_column("seizure", sa.Column("agency_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE seizure SET agency_id ="
        " (SELECT agency_id FROM cases WHERE cases.id = seizure.case_id)"
    )
    with op.batch_alter_table("seizure") as batch_op:
        batch_op.alter_column("agency_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_seizure_agency_id", "agency", ["agency_id"], ["id"])
        batch_op.create_index("ix_seizure_agency_id", ["agency_id"])

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("from_agency_id", sa.Integer(), nullable=False),
        sa.Column("to_agency_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _time("created_at"),
        _time("due_at"),
        _time("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        _time("updated_at"),
        _time("closed_at", nullable=True),
        sa.ForeignKeyConstraint(["from_agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["to_agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    op.create_index("ix_referral_to", "referral", ["to_agency_id", "status"])
    op.create_index("ix_referral_from", "referral", ["from_agency_id", "status"])
    op.create_index("ix_referral_due", "referral", ["status", "due_at"])

    op.create_table(
        "referral_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("referral_id", "record_type", "record_id"),
    )

    op.create_table(
        "share_grant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("granted_by", sa.String(length=100), nullable=False),
        _time("granted_at"),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_type", "record_id", "agency_id", "reason", "referral_id"),
    )
    op.create_index(
        "ix_share_grant_agency", "share_grant", ["agency_id", "record_type", "record_id"]
    )
    op.create_index("ix_share_grant_referral_id", "share_grant", ["referral_id"])

    op.create_table(
        "match_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _time("reviewed_at"),
        sa.ForeignKeyConstraint(["match_id"], ["match.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("match_id", "agency_id"),
    )
    op.create_index("ix_match_review_match_id", "match_review", ["match_id"])

    op.add_column("match", sa.Column("agency_id", sa.Integer(), nullable=True))
    # The finder of an existing match is the owner of a seizure its media is seen in.
    op.execute(
        "UPDATE match SET agency_id = (SELECT MIN(seizure.agency_id) FROM sighting"
        " JOIN seizure ON seizure.id = sighting.seizure_id"
        " WHERE sighting.media_id = match.media_id)"
    )
    op.execute(
        "INSERT INTO match_review (match_id, agency_id, verdict, reviewed_by, note, reviewed_at)"
        " SELECT id, agency_id, verdict, COALESCE(reviewed_by, 'unknown'), review_note,"
        " COALESCE(reviewed_at, created_at) FROM match"
        " WHERE verdict <> 'open' AND agency_id IS NOT NULL"
    )
    with op.batch_alter_table("match") as batch_op:
        batch_op.create_foreign_key("fk_match_agency_id", "agency", ["agency_id"], ["id"])
        batch_op.drop_column("verdict")
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("review_note")
        batch_op.drop_column("reviewed_at")

    op.create_table(
        "hit_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("counterpart_agency_id", sa.Integer(), nullable=False),
        sa.Column("counterpart_subject", sa.String(length=60), nullable=False),
        sa.Column("counterpart_reference", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        _time("created_at"),
        _time("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.ForeignKeyConstraint(["counterpart_agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agency_id", "subject", "counterpart_agency_id", "counterpart_subject"),
    )
    op.create_index("ix_hit_notice_reference", "hit_notice", ["reference"])
    op.create_index("ix_hit_notice_agency", "hit_notice", ["agency_id", "created_at"])

    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        _time("created_at"),
        _time("last_seen_at"),
        _time("expires_at"),
        _time("ended_at", nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("secret_sha256"),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])

    with op.batch_alter_table("bank", naming_convention=_BANK_NAMES) as batch_op:
        batch_op.drop_constraint("bank_name_key", type_="unique")
        batch_op.create_unique_constraint("uq_bank_agency_name", ["agency_id", "name"])


def downgrade() -> None:
    """Revert this migration (grants, reviews of other agencies, notices, referrals and
    sessions are lost; the owning agency's reviews go back onto the matches).

    Refused while two agencies have banks of the same name: before it a name is the
    network's.
    """
    shared = (
        op.get_bind()
        .execute(sa.text("SELECT name FROM bank GROUP BY name HAVING COUNT(*) > 1 ORDER BY name"))
        .scalars()
        .all()
    )
    if shared:
        names = ", ".join(repr(name) for name in shared)
        raise CommandError(
            f"cannot downgrade below 0006: several agencies have a bank named {names}; "
            "rename or delete all but one of each first"
        )
    with op.batch_alter_table("bank") as batch_op:
        batch_op.drop_constraint("uq_bank_agency_name", type_="unique")
        batch_op.create_unique_constraint("bank_name_key", ["name"])
    op.drop_table("web_session")
    op.drop_table("hit_notice")
    with op.batch_alter_table("match") as batch_op:
        batch_op.add_column(
            sa.Column("verdict", sa.String(length=10), server_default="open", nullable=False)
        )
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE match SET verdict = r.verdict, reviewed_by = r.reviewed_by,"
        " review_note = r.note, reviewed_at = r.reviewed_at"
        " FROM match_review AS r WHERE r.match_id = match.id AND r.agency_id = match.agency_id"
    )
    with op.batch_alter_table("match") as batch_op:
        batch_op.drop_constraint("fk_match_agency_id", type_="foreignkey")
        batch_op.drop_column("agency_id")
    op.drop_table("match_review")
    op.drop_table("share_grant")
    op.drop_table("referral_record")
    op.drop_table("referral")
    with op.batch_alter_table("seizure") as batch_op:
        batch_op.drop_index("ix_seizure_agency_id")
        batch_op.drop_constraint("fk_seizure_agency_id", type_="foreignkey")
        batch_op.drop_column("agency_id")
        batch_op.drop_column("dissemination")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("dissemination")
