"""A partial index on lower(username) for the case-insensitive user name checks (ADD-3, SIGN-3).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:15:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index(
        "ix_student_username_lower",
        "student_account",
        [sa.text("lower(username)")],
        unique=False,
        sqlite_where=sa.text("username IS NOT NULL"),
        postgresql_where=sa.text("username IS NOT NULL"),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_student_username_lower", table_name="student_account")
