"""Student account lockout (SPEC SIGN-7): five failures in a row lock the account for 15
minutes, doubling with each lock after, up to a day. Counted in the database with one
atomic UPDATE, so failures from several terminals at once are all counted."""

from datetime import timedelta

from sqlmodel import col, update

from openccc_tui.services import audit
from openccc_tui.services.audit import student_actor
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import StudentAccount

MAX_FAILURES = 5
FIRST_LOCK = timedelta(minutes=15)
LONGEST_LOCK = timedelta(hours=24)


def lock_duration(lockouts_before: int) -> timedelta:
    factor: int = 2**lockouts_before
    return min(FIRST_LOCK * factor, LONGEST_LOCK)


def count_failure(runtime: Runtime, account: StudentAccount, detail: str) -> bool:
    """Count one failed password for `account`; True when it locked the account."""
    with write_session(runtime.engine) as db:
        failures, lockouts = db.exec(
            update(StudentAccount)
            .where(col(StudentAccount.id) == account.id)
            .values(failed_sign_ins=StudentAccount.failed_sign_ins + 1)
            .returning(col(StudentAccount.failed_sign_ins), col(StudentAccount.lockouts))
        ).one()
        locked: bool = failures >= MAX_FAILURES
        if locked:
            db.exec(
                update(StudentAccount)
                .where(col(StudentAccount.id) == account.id)
                .values(
                    failed_sign_ins=0, lockouts=lockouts + 1, locked_until=runtime.clock() + lock_duration(lockouts)
                )
            )
        actor = student_actor(account)
        action = "student.sign_in.locked_out" if locked else "student.sign_in.failed"
        audit.record(db, runtime, actor, action, account_id=account.id, detail=detail)
        return locked
