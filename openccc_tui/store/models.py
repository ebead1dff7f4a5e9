"""The tables (SPEC ACC-1 and the records every other rule keeps).

Times are timezone-aware; SQLModel stores them in UTC and gives them back in UTC.
"""

from datetime import UTC, date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, func, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class College(SQLModel, table=True):
    __tablename__ = "college"

    id: int | None = Field(default=None, primary_key=True)
    mis_code: str = Field(max_length=3, unique=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)


class Staff(SQLModel, table=True):
    """A college staff member (STAFF-1): separate from student accounts."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=200)
    college_id: int = Field(foreign_key="college.id", index=True)
    roles: str = Field(default="", max_length=100)
    """Comma-separated role names, sorted: `creator,support`."""
    password_hash: str = Field(max_length=255)
    totp_secret: str = Field(max_length=255)
    """Encrypted with the configured key (STAFF-6): `v1:` and a Fernet token; see services/totp_secrets."""
    totp_enrolled_at: datetime | None = None
    totp_last_step: int | None = None
    """The 30-second step of the last code accepted, so no code is accepted twice."""
    agreement_accepted_at: datetime | None = None
    approved_at: datetime | None = None
    approved_by_id: int | None = Field(default=None, foreign_key="staff.id")
    failed_attempts: int = 0
    locked_until: datetime | None = None
    checks_pending: int = 0
    """Password checks reserved and not settled yet: they count toward the five (SIGN-7)."""
    checks_pending_until: datetime | None = None
    """When checks still pending count as failures (a check that never settles is not lost)."""
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class StudentAccount(SQLModel, table=True):
    """A student's OpenCCC account (ACC-1)."""

    __tablename__ = "student_account"
    __table_args__ = (
        # ACC-3: a validated email or phone belongs to at most one account.
        Index(
            "uq_student_validated_email",
            "email_normalized",
            unique=True,
            sqlite_where=text("email_validated"),
            postgresql_where=text("email_validated"),
        ),
        Index(
            "uq_student_validated_phone",
            "phone",
            unique=True,
            sqlite_where=text("phone_validated"),
            postgresql_where=text("phone_validated"),
        ),
        Index("ix_student_name_dob", "last_name_key", "first_name_key", "date_of_birth"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cccid: str = Field(max_length=8, unique=True)
    username: str | None = Field(default=None, max_length=254, unique=True)
    email: str = Field(max_length=254)
    email_normalized: str = Field(max_length=254, index=True)
    email_validated: bool = False
    phone: str | None = Field(default=None, max_length=20, index=True)
    phone_type: str | None = Field(default=None, max_length=10)
    phone_validated: bool = False
    preferred_contact: str = Field(default="email", max_length=5)
    first_name: str = Field(default="", max_length=50)
    middle_name: str = Field(default="", max_length=50)
    last_name: str = Field(max_length=50)
    suffix: str = Field(default="", max_length=10)
    preferred_name: str = Field(default="", max_length=50)
    first_name_key: str = Field(default="", max_length=50)
    last_name_key: str = Field(max_length=50)
    date_of_birth: date
    homeless: bool = False
    street1: str = Field(default="", max_length=100)
    street2: str = Field(default="", max_length=100)
    city: str = Field(default="", max_length=50)
    state: str = Field(default="", max_length=50)
    postal_code: str = Field(default="", max_length=10)
    country: str = Field(default="US", max_length=2)
    password_hash: str = Field(max_length=255)
    must_change_password: bool = False
    idme_workflow_status: str = Field(default="not_started", max_length=20)
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    """None when the student created the account (ACC-1 created_by = self)."""
    created_for_college_id: int | None = Field(default=None, foreign_key="college.id", index=True)
    reclaimed_at: datetime | None = None
    email_changed_by_student_at: datetime | None = None
    """When the student last put a new email on Edit Account: validating it reclaims a
    staff-made account (ACC-9)."""
    secret_question: str = Field(default="", max_length=200)
    secret_answer_hash: str | None = Field(default=None, max_length=255)
    ssn_last4_hash: str | None = Field(default=None, max_length=64)
    """A keyed hash (HMAC-SHA256) of the last four SSN digits, never the digits."""
    failed_sign_ins: int = 0
    lockouts: int = 0
    locked_until: datetime | None = None
    checks_pending: int = 0
    """Password checks reserved and not settled yet: they count toward the five (SIGN-7)."""
    checks_pending_until: datetime | None = None
    """When checks still pending count as failures (a check that never settles is not lost)."""
    credentials_given_at: datetime | None = None
    credentials_note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Application(SQLModel, table=True):
    """An application submitted from My Applications (APP-1, APP-2)."""

    __tablename__ = "application"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="student_account.id", index=True)
    college_id: int = Field(foreign_key="college.id")
    term: str = Field(max_length=30)
    app_type: str = Field(max_length=20)
    confirmation_number: str = Field(max_length=20, unique=True)
    fraud_status: int | None = None
    submitted_by_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = Field(default_factory=utcnow)


class Challenge(SQLModel, table=True):
    """A validation or recovery code sent to one destination for one purpose (CODE-1)."""

    __tablename__ = "challenge"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="student_account.id", index=True)
    purpose: str = Field(max_length=30)
    destination: str = Field(max_length=254)
    code_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    failed_attempts: int = 0
    sends: int = 1
    last_sent_at: datetime = Field(default_factory=utcnow)
    used_at: datetime | None = None
    ended_at: datetime | None = None


class IdentifierThrottle(SQLModel, table=True):
    """Failed sign-ins for identifiers that match no account (SPEC SIGN-7).

    Kept apart from accounts, so throttling an unknown address never creates anything
    that could block its later registration. The key is a digest, not the identifier.
    """

    __tablename__ = "identifier_throttle"

    key: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    checks_pending: int = 0
    """Password checks reserved and not settled yet: they count toward the five (SIGN-7)."""
    checks_pending_until: datetime | None = None
    """When checks still pending count as failures (a check that never settles is not lost)."""


class AttemptCounter(SQLModel, table=True):
    """Attempts counted over a window, per key: CODE-1's wrong entries and sends, REC-2's
    requests, REC-3's failures. The key is a digest of what is counted (an account, a
    destination, a claimed identity, a terminal), never the thing itself."""

    __tablename__ = "attempt_counter"

    key: str = Field(primary_key=True, max_length=64)
    count: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)


class OneTimePassword(SQLModel, table=True):
    """A one-time password offered besides the account's own (REC-2): valid 24 hours, used
    once, withdrawn by a sign-in with the current password. One per account at most."""

    __tablename__ = "one_time_password"

    account_id: int = Field(primary_key=True, foreign_key="student_account.id")
    password_hash: str = Field(max_length=255)
    issued_at: datetime
    expires_at: datetime


class OutboxMessage(SQLModel, table=True):
    """Every message the notifier sends (CODE-2); bodies holding a code are purged after expiry."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=5)
    to_address: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=200)
    body: str | None = Field(default=None, sa_column=Column(Text))
    purge_after: datetime | None = Field(default=None, index=True)
    smtp_sent_at: datetime | None = None
    smtp_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class AuditEvent(SQLModel, table=True):
    """The append-only audit log (STAFF-5): who, when, from where, what, which account."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    college_id: int | None = Field(default=None, foreign_key="college.id")
    terminal: str = Field(default="", max_length=200)
    action: str = Field(max_length=50, index=True)
    account_id: int | None = Field(default=None, foreign_key="student_account.id", index=True)
    detail: str = Field(default="", max_length=2000)


class BulkJob(SQLModel, table=True):
    """One Multi Account Creation upload (BULK-8)."""

    __tablename__ = "bulk_job"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    college_id: int = Field(foreign_key="college.id")
    file_name: str = Field(max_length=255)
    file_sha256: str = Field(max_length=64, index=True)
    encoding: str = Field(default="utf-8", max_length=20)
    total_rows: int = 0
    done_rows: int = 0
    status: str = Field(default="running", max_length=20)
    """running, done, cancelled, or interrupted (stopped by an error, or its process is gone)."""
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    owner_host: str = Field(default="", max_length=255)
    owner_pid: int | None = None
    """The process running the job, so that a job whose process died is known to be interrupted."""
    heartbeat_at: datetime | None = None
    """Moved on at every committed batch: a running job silent for long is interrupted too."""


class BulkRow(SQLModel, table=True):
    """The outcome of one row of an upload, stored as soon as the row is done."""

    __tablename__ = "bulk_row"
    __table_args__ = (UniqueConstraint("job_id", "row_number"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="bulk_job.id")
    row_number: int
    fingerprint: str = Field(max_length=64, index=True)
    """A digest of the row's identity fields, to find the row again on re-upload."""
    status: str = Field(max_length=10)
    cccid: str | None = Field(default=None, max_length=8)
    message: str = Field(default="", max_length=2000)
    account_id: int | None = Field(default=None, foreign_key="student_account.id")


# User names compare case-insensitively (ADD-3, SIGN-3): an index on the lower-cased form
# keeps those look-ups fast with a million accounts. It leaves out accounts without a user
# name, most of them: counted in, they make the planner's statistics (ANALYZE) judge the
# index useless and scan the table instead.
_username = SQLModel.metadata.tables["student_account"].c.username
Index(
    "ix_student_username_lower",
    func.lower(_username),
    sqlite_where=_username.is_not(None),
    postgresql_where=_username.is_not(None),
)
