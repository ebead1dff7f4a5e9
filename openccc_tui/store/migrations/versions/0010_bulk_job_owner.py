"""Who runs a Multi Account Creation job, and when it last committed rows, so that a job
whose process is gone shows as interrupted (BULK-8).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 19:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("bulk_job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_host", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("owner_pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("bulk_job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("owner_pid")
        batch_op.drop_column("owner_host")
