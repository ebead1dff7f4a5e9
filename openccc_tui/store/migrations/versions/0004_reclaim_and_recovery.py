"""Reclaim and recovery: the student's email change, secret question and answer hash, SSN keyed hash (ACC-9, REC-3).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 11:19:10.142187

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("student_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_changed_by_student_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "secret_question", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column("secret_answer_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch_op.add_column(sa.Column("ssn_last4_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("student_account", schema=None) as batch_op:
        batch_op.drop_column("ssn_last4_hash")
        batch_op.drop_column("secret_answer_hash")
        batch_op.drop_column("secret_question")
        batch_op.drop_column("email_changed_by_student_at")
