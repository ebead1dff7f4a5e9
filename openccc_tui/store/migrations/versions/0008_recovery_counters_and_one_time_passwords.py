"""Counters kept in the database for CODE-1, REC-2 and REC-3, and the one-time password as an
extra credential (REC-2). The per-challenge resend window gives way to the counters.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-25 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "attempt_counter",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "one_time_password",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["student_account.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_column("resends_in_window")
        batch_op.drop_column("resend_window_started_at")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "resend_window_started_at",
                sqlmodel.sql.sqltypes.UTCDateTime(),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.add_column(sa.Column("resends_in_window", sa.Integer(), nullable=False, server_default="0"))
    op.drop_table("one_time_password")
    op.drop_table("attempt_counter")
