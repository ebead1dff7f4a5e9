"""Reading the audit log (SPEC STAFF-5), for directors: filters and a CSV export."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import aliased
from sqlmodel import col, select

from openccc_tui.domain.cccid import normalise_cccid
from openccc_tui.domain.staff import Role
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.permissions import authorise
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.spreadsheets import write_table
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, StudentAccount

MAX_ROWS = 2000
HEADER = ("at", "actor", "terminal", "action", "cccid", "detail")


@dataclass(frozen=True)
class AuditFilter:
    staff: str = ""
    cccid: str = ""
    action: str = ""
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    terminal: str
    action: str
    cccid: str
    detail: str

    def cells(self) -> tuple[str, ...]:
        return (self.at.strftime("%Y-%m-%d %H:%M:%S"), self.actor, self.terminal, self.action, self.cccid, self.detail)


def search_audit(runtime: Runtime, actor: Actor, filters: AuditFilter, limit: int = MAX_ROWS) -> list[AuditRow]:
    """The events of the director's college, newest first, matching every filter given."""
    account = aliased(StudentAccount)
    with read_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        query = (
            select(AuditEvent, account.cccid)
            .outerjoin(account, col(account.id) == AuditEvent.account_id)
            .where(AuditEvent.college_id == director.college_id)
        )
        if filters.staff.strip():
            query = query.where(AuditEvent.actor == filters.staff.strip().lower())
        if filters.cccid.strip():
            query = query.where(account.cccid == normalise_cccid(filters.cccid))
        if filters.action.strip():
            query = query.where(col(AuditEvent.action).startswith(filters.action.strip()))
        if filters.start:
            query = query.where(AuditEvent.at >= datetime.combine(filters.start, time(), UTC))
        if filters.end:
            query = query.where(AuditEvent.at < datetime.combine(filters.end + timedelta(days=1), time(), UTC))
        rows = session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all()
    return [
        AuditRow(at=e.at, actor=e.actor, terminal=e.terminal, action=e.action, cccid=cccid or "", detail=e.detail)
        for e, cccid in rows
    ]


def export_audit(runtime: Runtime, actor: Actor, filters: AuditFilter, path: Path) -> int:
    rows = search_audit(runtime, actor, filters)
    count = write_table(path, HEADER, (row.cells() for row in rows))
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.DIRECTOR)
        audit.record(session, runtime, actor, "audit.export", detail=f"{count} rows to {path.name}")
    return count
