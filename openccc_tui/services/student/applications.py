"""My Applications (SPEC APP-1, APP-2): the student's applications and Start a New
Application, with a confirmation number to capture on the tracking sheet."""

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from openccc_tui.services import audit
from openccc_tui.services.audit import Actor
from openccc_tui.services.errors import ServiceError
from openccc_tui.services.records import get_row, saved_id
from openccc_tui.services.runtime import Runtime
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Application, College, StudentAccount

FRAUD_STATUS_ON_BEHALF = 7
"""Stored for Standard and Noncredit applications made while the account is staff_verified."""
CONFIRMATION_ATTEMPTS = 8


class ApplicationType(StrEnum):
    STANDARD = "Standard"
    NONCREDIT = "Noncredit"
    INTERNATIONAL = "International"
    PROMISE_GRANT = "Promise Grant"


SPAM_FILTERED = frozenset({ApplicationType.STANDARD, ApplicationType.NONCREDIT})


@dataclass(frozen=True)
class ApplicationView:
    confirmation_number: str
    app_type: str
    college: str
    term: str
    submitted_at: datetime


def upcoming_terms(today: date, count: int = 4) -> list[str]:
    """The next terms a student can apply for: `Spring 2027`, `Summer 2027`, `Fall 2027` …"""
    seasons = (("Spring", 1), ("Summer", 6), ("Fall", 8))
    terms: list[str] = []
    year = today.year
    while len(terms) < count:
        for season, month in seasons:
            if (year, month) > (today.year, today.month) and len(terms) < count:
                terms.append(f"{season} {year}")
        year += 1
    return terms


def colleges(runtime: Runtime) -> list[tuple[int, str]]:
    with read_session(runtime.engine) as db:
        return [(saved_id(c), f"{c.mis_code} {c.name}") for c in db.exec(select(College).order_by(College.mis_code))]


def list_applications(runtime: Runtime, student: StudentSession) -> list[ApplicationView]:
    with read_session(runtime.engine) as db:
        rows = db.exec(
            select(Application, College)
            .join(College, col(College.id) == Application.college_id)
            .where(Application.account_id == student.account_id)
            .order_by(col(Application.id).desc())
        ).all()
    return [
        ApplicationView(a.confirmation_number, a.app_type, f"{c.mis_code} {c.name}", a.term, a.created_at)
        for a, c in rows
    ]


def start_application(
    runtime: Runtime, student: StudentSession, app_type: ApplicationType, college_id: int, term: str
) -> str:
    """Submit an application; returns its confirmation number (APP-1, APP-2)."""
    if term not in upcoming_terms(runtime.clock().date()):
        raise ServiceError("choose one of the terms offered")
    for _ in range(CONFIRMATION_ATTEMPTS):
        number = f"{secrets.randbelow(10**8):08d}"
        try:
            with write_session(runtime.engine) as db:
                account = get_row(db, StudentAccount, student.account_id)
                if db.get(College, college_id) is None:
                    raise ServiceError("choose one of the colleges offered")
                on_behalf = account.idme_workflow_status == "staff_verified"
                fraud_status = FRAUD_STATUS_ON_BEHALF if on_behalf and app_type in SPAM_FILTERED else None
                db.add(
                    Application(
                        account_id=saved_id(account),
                        college_id=college_id,
                        term=term,
                        app_type=app_type.value,
                        confirmation_number=number,
                        fraud_status=fraud_status,
                        created_at=runtime.clock(),
                    )
                )
                audit.record(
                    db,
                    runtime,
                    Actor(name=f"student:{account.cccid}", college_id=college_id),
                    "student.application.submit",
                    account_id=account.id,
                    detail=f"{app_type.value} {term} confirmation {number}",
                )
            return number
        except IntegrityError:
            continue
    raise ServiceError("no free confirmation number; try again")
