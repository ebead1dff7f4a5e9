"""The tracking sheet (SPEC TRACK-1): the accounts a college's staff created, for a date
range, as CSV or a password-protected .xlsx. No passwords, ever."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import col, select

from openccc_tui.domain.staff import Role
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.permissions import authorise
from openccc_tui.services.records import saved_id, stored_ids
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.spreadsheets import write_table
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Application, Staff, StudentAccount

HEADER = (
    "created",
    "cccid",
    "email",
    "username",
    "first",
    "last",
    "created_by",
    "application_confirmation_numbers",
    "credentials_given",
    "notes",
)


@dataclass(frozen=True)
class TrackingRow:
    account_id: int
    created: str
    cccid: str
    email: str
    username: str
    first: str
    last: str
    created_by: str
    confirmation_numbers: str
    credentials_given: str
    notes: str

    def cells(self) -> tuple[str, ...]:
        return (
            self.created,
            self.cccid,
            self.email,
            self.username,
            self.first,
            self.last,
            self.created_by,
            self.confirmation_numbers,
            self.credentials_given,
            self.notes,
        )


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    if end < start:
        raise ServiceError("the end date is before the start date")
    return datetime.combine(start, time(), UTC), datetime.combine(end + timedelta(days=1), time(), UTC)


def tracking_rows(runtime: Runtime, actor: Actor, start: date, end: date) -> list[TrackingRow]:
    low, high = _bounds(start, end)
    with read_session(runtime.engine) as session:
        staff = authorise(session, actor, Role.CREATOR, Role.DIRECTOR)
        rows = session.exec(
            select(StudentAccount, Staff.username)
            .join(Staff, col(Staff.id) == StudentAccount.created_by_staff_id)
            .where(
                StudentAccount.created_for_college_id == staff.college_id,
                StudentAccount.created_at >= low,
                StudentAccount.created_at < high,
            )
            .order_by(col(StudentAccount.created_at), col(StudentAccount.id))
        ).all()
        ids = stored_ids(account.id for account, _ in rows)
        numbers: dict[int, list[str]] = {}
        if ids:
            for account_id, number in session.exec(
                select(Application.account_id, Application.confirmation_number)
                .where(col(Application.account_id).in_(ids))
                .order_by(col(Application.id))
            ):
                numbers.setdefault(account_id, []).append(number)
    return [
        TrackingRow(
            account_id=saved_id(account),
            created=account.created_at.strftime("%Y-%m-%d %H:%M"),
            cccid=account.cccid,
            email=account.email,
            username=account.username or "",
            first=account.first_name,
            last=account.last_name,
            created_by=creator,
            confirmation_numbers=" ".join(numbers.get(saved_id(account), [])),
            credentials_given=account.credentials_given_at.date().isoformat() if account.credentials_given_at else "",
            notes=account.credentials_note,
        )
        for account, creator in rows
    ]


def export_tracking(
    runtime: Runtime, actor: Actor, start: date, end: date, path: Path, *, password: str | None = None
) -> int:
    """Write the sheet to `path`; an .xlsx is encrypted with `password`, which is not kept."""
    rows = tracking_rows(runtime, actor, start, end)
    count = write_table(path, HEADER, (row.cells() for row in rows), password=password)
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.CREATOR, Role.DIRECTOR)
        audit.record(
            session,
            runtime,
            actor,
            "tracking.export",
            detail=f"{start.isoformat()}..{end.isoformat()} {count} rows to {path.name}",
        )
    return count
