"""ADD-3 under concurrency (BULK-3, ACC-8): imports and Add User saves running in several
OS processes at once never create two accounts for one email or one person."""

import csv
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from openccc_tui.domain.template import TEMPLATE_COLUMNS
from openccc_tui.services import account_creation
from openccc_tui.services.audit import Actor
from openccc_tui.services.bulk import bulk_jobs
from openccc_tui.services.bulk.bulk_uploads import Limits, open_upload
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import StudentAccount
from tests import factories
from tests.processes import run_at_once, worker_runtime

STUDENTS = 100
LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_rows=10_000)


def _row(email: str, first: str, last: str) -> list[str]:
    # ACC-6b: every row of an upload needs its own password.
    password = "Kx#" + hashlib.sha256(last.encode()).hexdigest()[:10] + "Q9"
    values = dict.fromkeys(TEMPLATE_COLUMNS, "") | {
        "email": email,
        "first": first,
        "last": last,
        "dob": "2001-02-03",
        "accepted-terms": "TRUE",
        "homeless": "FALSE",
        "street1": "1 Main St",
        "city": "Davis",
        "state": "CA",
        "postal": "95616",
        "country": "US",
        "password": password,
    }
    return [values[column] for column in TEMPLATE_COLUMNS]


def _write_upload(path: Path, upper: bool) -> Path:
    rows = [_row("existing@college.edu", "Ann", "Existing")]  # fails ADD-3 first
    for n in range(STUDENTS):
        email = f"student{n}@college.edu"
        letters = "".join("abcdefghij"[int(digit)] for digit in f"{n:03d}")
        rows.append(_row(email.upper() if upper else email, f"Stu{letters}", f"Dent{letters}"))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(TEMPLATE_COLUMNS)
        writer.writerows(rows)
    return path


def _import(database_url: str, folder: str, barrier, actor: Actor, path: str) -> tuple[int, int]:
    runtime = worker_runtime(database_url, folder)
    upload = open_upload(Path(path), LIMITS)
    barrier.wait(timeout=60)
    summary = bulk_jobs.run_job(runtime, actor, upload)
    runtime.engine.dispose()
    return summary.successes, summary.failed


def _duplicates(runtime) -> tuple[list, list]:
    """Emails (as ACC-8 compares them) and persons held by more than one account."""
    with read_session(runtime.engine) as session:
        emails = session.exec(
            select(StudentAccount.email_normalized).group_by(StudentAccount.email_normalized).having(func.count() > 1)
        ).all()
        persons = session.exec(
            select(
                col(StudentAccount.first_name_key), col(StudentAccount.last_name_key), col(StudentAccount.date_of_birth)
            )
            .group_by(
                col(StudentAccount.first_name_key), col(StudentAccount.last_name_key), col(StudentAccount.date_of_birth)
            )
            .having(func.count() > 1)
        ).all()
    return list(emails), list(persons)


def _count(runtime) -> int:
    with read_session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(StudentAccount)).one()


def test_add_3_two_concurrent_imports_in_other_case_create_each_student_once(runtime, tmp_path):
    """BULK-3 across processes: the same 100 students in lower and upper case, each file
    opening with a row that fails ADD-3 (the row whose savepoint once released the lock)."""
    factories.stored_student(
        runtime, cccid="EXI0001", email="existing@college.edu", first_name="Ann", last_name="Existing"
    )
    first = factories.staff_actor(runtime, "cory", "creator")
    second = factories.staff_actor(runtime, "dana", "creator", mis_code="862")  # no resuming across colleges
    lower = _write_upload(tmp_path / "lower.csv", upper=False)
    upper = _write_upload(tmp_path / "upper.csv", upper=True)
    outcomes = run_at_once(
        _import, runtime.settings.database_url, tmp_path, [(first, str(lower)), (second, str(upper))]
    )
    assert _duplicates(runtime) == ([], [])
    assert _count(runtime) == 1 + STUDENTS
    assert sum(successes for successes, _ in outcomes) == STUDENTS, outcomes
    assert sum(failed for _, failed in outcomes) == 2 + STUDENTS, outcomes


ROUNDS = 8
EMAIL_FORMS = ("s{n}@test.com", "S{n}@TEST.COM", "  S{n}@Test.com ", "s{n}@Test.COM")


def _save(database_url: str, folder: str, barrier, actor: Actor, form: int) -> list[str]:
    """Add User saves of the same students, each email in its own case, one after another."""
    runtime = worker_runtime(database_url, folder)
    barrier.wait(timeout=60)
    outcomes = []
    for n in range(ROUNDS):
        email = EMAIL_FORMS[form].format(n=n)
        values = factories.STUDENT_FORM | {
            "email": email,
            "email-confirm": email,
            "first": f"Student{'abcdefghij'[n]}",
        }
        try:
            outcomes.append(account_creation.add_user(runtime, actor, values, permission_reference="paper form").cccid)
        except account_creation.DuplicateAccount as duplicate:
            outcomes.append(str(duplicate))
    runtime.engine.dispose()
    return outcomes


def test_add_3_concurrent_add_user_saves_of_one_student_create_one_account(runtime, tmp_path):
    creator = factories.staff_actor(runtime, "cory", "creator")
    outcomes = run_at_once(
        _save, runtime.settings.database_url, tmp_path, [(creator, form) for form in range(len(EMAIL_FORMS))]
    )
    assert _duplicates(runtime) == ([], [])
    assert _count(runtime) == ROUNDS
    for n in range(ROUNDS):
        messages = sorted(outcome[n] for outcome in outcomes)
        assert messages[: len(EMAIL_FORMS) - 1] == sorted(
            m for m in messages if m.startswith("A user already exists with email:")
        ), messages


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
