"""Reading the audit log (SPEC STAFF-5), for directors: filters, pages with the true number
of matches, and a CSV export of every match.

A director sees their college's events and the host's sign-in attempts under staff names
that exist nowhere (`staff.sign_in.unknown.*`): those belong to no college, and the name
typed is not kept (it may have been a password typed one field too early)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select

from openccc_tui.domain.cccid import normalise_cccid
from openccc_tui.domain.staff import Role
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.permissions import authorise
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.spreadsheets import write_table
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import AuditEvent, Staff, StudentAccount

PAGE_SIZE = 100
HOST_EVENTS = "staff.sign_in.unknown"
"""Events of no college that every director sees: sign-in attempts under unknown staff names."""
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


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    """How many events match the filters, on every page."""
    offset: int
    """How many newer events come before this page's first."""


_ACCOUNT = aliased(StudentAccount)
_JOIN = col(_ACCOUNT.id) == AuditEvent.account_id


def _matching(director: Staff, filters: AuditFilter) -> list[Any]:
    """The WHERE clauses of `filters`, for the director's college and the host's events."""
    clauses: list[Any] = [
        or_(
            col(AuditEvent.college_id) == director.college_id,
            col(AuditEvent.college_id).is_(None) & col(AuditEvent.action).startswith(HOST_EVENTS),
        )
    ]
    if filters.staff.strip():
        clauses.append(AuditEvent.actor == filters.staff.strip().lower())
    if filters.cccid.strip():
        clauses.append(_ACCOUNT.cccid == normalise_cccid(filters.cccid))
    if filters.action.strip():
        clauses.append(col(AuditEvent.action).startswith(filters.action.strip()))
    if filters.start:
        clauses.append(AuditEvent.at >= datetime.combine(filters.start, time(), UTC))
    if filters.end:
        clauses.append(AuditEvent.at < datetime.combine(filters.end + timedelta(days=1), time(), UTC))
    return clauses


def audit_page(
    runtime: Runtime, actor: Actor, filters: AuditFilter, *, offset: int = 0, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of the matching events, newest first, with the number of all matches."""
    with read_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        where = _matching(director, filters)
        counted = select(func.count()).select_from(AuditEvent).outerjoin(_ACCOUNT, _JOIN).where(*where)
        total = session.exec(counted).one()
        offset = max(0, min(offset, (max(total, 1) - 1) // size * size))
        query = select(AuditEvent, _ACCOUNT.cccid).outerjoin(_ACCOUNT, _JOIN).where(*where)
        rows = session.exec(query.order_by(col(AuditEvent.id).desc()).offset(offset).limit(size)).all()
    return AuditPage(rows=[_row(event, cccid) for event, cccid in rows], total=total, offset=offset)


def search_audit(runtime: Runtime, actor: Actor, filters: AuditFilter, limit: int | None = None) -> list[AuditRow]:
    """The events matching every filter given, newest first: all of them, or the newest `limit`."""
    with read_session(runtime.engine) as session:
        director = authorise(session, actor, Role.DIRECTOR)
        query = select(AuditEvent, _ACCOUNT.cccid).outerjoin(_ACCOUNT, _JOIN).where(*_matching(director, filters))
        rows = session.exec(query.order_by(col(AuditEvent.id).desc()).limit(limit)).all()
    return [_row(event, cccid) for event, cccid in rows]


def _row(event: AuditEvent, cccid: str | None) -> AuditRow:
    return AuditRow(
        at=event.at,
        actor=event.actor,
        terminal=event.terminal,
        action=event.action,
        cccid=cccid or "",
        detail=event.detail,
    )


def export_audit(runtime: Runtime, actor: Actor, filters: AuditFilter, path: Path) -> int:
    rows = search_audit(runtime, actor, filters)
    count = write_table(path, HEADER, (row.cells() for row in rows))
    with write_session(runtime.engine) as session:
        authorise(session, actor, Role.DIRECTOR)
        audit.record(session, runtime, actor, "audit.export", detail=f"{count} rows to {path.name}")
    return count
