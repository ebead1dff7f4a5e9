"""Staff TOTP replay guard; the audit log made append-only in the database (SPEC STAFF-5).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 11:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)
POSTGRES_TRIGGER = (
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    statements = POSTGRES_TRIGGER if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    """Downgrade schema."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
