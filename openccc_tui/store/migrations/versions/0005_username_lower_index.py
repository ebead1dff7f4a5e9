"""A partial index on lower(username) for the case-insensitive user name checks (ADD-3, SIGN-3).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:15:00

"""

from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


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
