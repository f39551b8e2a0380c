"""audit trail: hash-chained, append-only events and the chain's head

Revision ID: 0005
Revises: 0004

Triggers refuse UPDATE and DELETE of events (and TRUNCATE on PostgreSQL), and any move of
the head but forward. Someone with the database's owner rights can drop them: the hash
chain and a head kept outside the database are what catch that. On SQLite a later batch
migration that rebuilds audit_event or audit_head must create its triggers again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The "previous hash" of the first event (vigil.sharing.audit.GENESIS_HASH, written out
# here because a migration must not change when the code does).
_GENESIS = "0" * 64
_REFUSED = "the audit log is append-only"

_POSTGRES_UP = (
    f"""
    CREATE FUNCTION vigil_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME;
    END $$
    """,
    f"""
    CREATE FUNCTION vigil_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.event_hash <> OLD.event_hash) THEN
            RAISE EXCEPTION '{_REFUSED}: the audit head only moves forward';
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event"
    " FOR EACH ROW EXECUTE FUNCTION vigil_audit_refuse()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
    " FOR EACH STATEMENT EXECUTE FUNCTION vigil_audit_refuse()",
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
    " FOR EACH ROW EXECUTE FUNCTION vigil_audit_refuse()",
    "CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head"
    " FOR EACH STATEMENT EXECUTE FUNCTION vigil_audit_refuse()",
    "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head"
    " FOR EACH ROW EXECUTE FUNCTION vigil_audit_head_forward()",
)
_POSTGRES_DOWN = (
    "DROP FUNCTION vigil_audit_refuse() CASCADE",
    "DROP FUNCTION vigil_audit_head_forward() CASCADE",
)
_SQLITE_UP = tuple(
    f"CREATE TRIGGER {name} BEFORE {event} ON {table}{when} BEGIN"
    f" SELECT RAISE(ABORT, '{_REFUSED}: {event} on {table} refused'); END"
    for name, event, table, when in (
        ("audit_event_no_update", "UPDATE", "audit_event", ""),
        ("audit_event_no_delete", "DELETE", "audit_event", ""),
        ("audit_head_no_delete", "DELETE", "audit_head", ""),
        (
            "audit_head_forward",
            "UPDATE",
            "audit_head",
            " WHEN NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.event_hash <> OLD.event_hash)",
        ),
    )
)


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.String(length=27), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    for column in ("occurred_at", "user_name", "agency_code", "action", "object"):
        op.create_index(f"ix_audit_event_{column}", "audit_event", [column])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "event_hash": _GENESIS}])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_UP if postgres else _SQLITE_UP:
        op.execute(sa.text(statement))


def downgrade() -> None:
    """Revert this migration (the audit trail is lost)."""
    if op.get_bind().dialect.name == "postgresql":
        # CASCADE takes the triggers with the functions.
        for statement in _POSTGRES_DOWN:
            op.execute(sa.text(statement))
    op.drop_table("audit_head")
    op.drop_table("audit_event")
