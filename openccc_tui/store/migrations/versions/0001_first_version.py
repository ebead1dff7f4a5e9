"""First version: every table of the foundation (SPEC ACC-1, ACC-3 partial unique indexes).

Revision ID: 0001
Revises:
Create Date: 2026-11-24 10:30:06.146681

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "college",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mis_code", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mis_code"),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("to_address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("purge_after", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("smtp_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("smtp_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_purge_after"), ["purge_after"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_to_address"), ["to_address"], unique=False)

    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("college_id", sa.Integer(), nullable=False),
        sa.Column("roles", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("totp_secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("totp_enrolled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("agreement_accepted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["college_id"],
            ["college.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_college_id"), ["college_id"], unique=False)

    op.create_table(
        "bulk_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("college_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("file_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("encoding", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("done_rows", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["college_id"],
            ["college.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bulk_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_job_file_sha256"), ["file_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_bulk_job_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "student_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cccid", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("email_normalized", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("email_validated", sa.Boolean(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("phone_type", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("phone_validated", sa.Boolean(), nullable=False),
        sa.Column("preferred_contact", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("middle_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("last_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("suffix", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("preferred_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("first_name_key", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("last_name_key", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("homeless", sa.Boolean(), nullable=False),
        sa.Column("street1", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("street2", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("city", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("postal_code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("idme_workflow_status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_for_college_id", sa.Integer(), nullable=True),
        sa.Column("reclaimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("credentials_given_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("credentials_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_staff_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_for_college_id"],
            ["college.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cccid"),
        sa.UniqueConstraint("username"),
    )
    with op.batch_alter_table("student_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_student_account_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_student_account_created_for_college_id"), ["created_for_college_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_student_account_email_normalized"), ["email_normalized"], unique=False)
        batch_op.create_index(batch_op.f("ix_student_account_phone"), ["phone"], unique=False)
        batch_op.create_index("ix_student_name_dob", ["last_name_key", "first_name_key", "date_of_birth"], unique=False)
        batch_op.create_index(
            "uq_student_validated_email",
            ["email_normalized"],
            unique=True,
            sqlite_where=sa.text("email_validated"),
            postgresql_where=sa.text("email_validated"),
        )
        batch_op.create_index(
            "uq_student_validated_phone",
            ["phone"],
            unique=True,
            sqlite_where=sa.text("phone_validated"),
            postgresql_where=sa.text("phone_validated"),
        )

    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("college_id", sa.Integer(), nullable=False),
        sa.Column("term", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("app_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("confirmation_number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("fraud_status", sa.Integer(), nullable=True),
        sa.Column("submitted_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["student_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["college_id"],
            ["college.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("confirmation_number"),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_account_id"), ["account_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("college_id", sa.Integer(), nullable=True),
        sa.Column("terminal", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["student_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["college_id"],
            ["college.id"],
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "bulk_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("cccid", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["student_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["bulk_job.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "row_number"),
    )
    with op.batch_alter_table("bulk_row", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bulk_row_fingerprint"), ["fingerprint"], unique=False)

    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("destination", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["student_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_account_id"))

    op.drop_table("challenge")
    with op.batch_alter_table("bulk_row", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_row_fingerprint"))

    op.drop_table("bulk_row")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_staff_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))
        batch_op.drop_index(batch_op.f("ix_audit_event_account_id"))

    op.drop_table("audit_event")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_account_id"))

    op.drop_table("application")
    with op.batch_alter_table("student_account", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_student_validated_phone",
            sqlite_where=sa.text("phone_validated"),
            postgresql_where=sa.text("phone_validated"),
        )
        batch_op.drop_index(
            "uq_student_validated_email",
            sqlite_where=sa.text("email_validated"),
            postgresql_where=sa.text("email_validated"),
        )
        batch_op.drop_index("ix_student_name_dob")
        batch_op.drop_index(batch_op.f("ix_student_account_phone"))
        batch_op.drop_index(batch_op.f("ix_student_account_email_normalized"))
        batch_op.drop_index(batch_op.f("ix_student_account_created_for_college_id"))
        batch_op.drop_index(batch_op.f("ix_student_account_created_at"))

    op.drop_table("student_account")
    with op.batch_alter_table("bulk_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bulk_job_staff_id"))
        batch_op.drop_index(batch_op.f("ix_bulk_job_file_sha256"))

    op.drop_table("bulk_job")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_college_id"))

    op.drop_table("staff")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_to_address"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_purge_after"))
        batch_op.drop_index(batch_op.f("ix_outbox_message_created_at"))

    op.drop_table("outbox_message")
    op.drop_table("college")
