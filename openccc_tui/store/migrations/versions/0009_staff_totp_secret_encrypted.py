"""Room for encrypted staff TOTP secrets (SPEC STAFF-6): `v1:` and a Fernet token.

The key is in the configuration, never in the database, so this migration only widens the
column (SQLite rebuilds the table: store/migrate.upgrade runs it with foreign keys off);
`openccc-tui db upgrade` then encrypts the plaintext secrets with the configured key
(services/totp_secrets.seal_plaintext_secrets).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 19:30:00

"""

from collections.abc import Sequence

import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=255),
            existing_nullable=False,
        )


def downgrade() -> None:
    """Downgrade schema: only while every secret is still plaintext (a token does not fit)."""
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=False,
        )
