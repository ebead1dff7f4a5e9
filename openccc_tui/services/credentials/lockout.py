"""Sign-in lockout (SPEC SIGN-7, STAFF-1): five failures in a row lock an account for 15
minutes (a student account's locks double each time after, up to a day); identifiers that
match no account are throttled the same way, in a table of their own.

Exact under concurrency. Every password check goes through `check_password`:

1. reserve: a short write transaction locks the row (SELECT ... FOR UPDATE on PostgreSQL;
   on SQLite the transaction is begun IMMEDIATE) and takes a slot only if the row is not
   locked and its settled failures plus the checks in flight are fewer than five;
2. verify the password outside any transaction: hashing never holds SQLite's one writer
   nor a PostgreSQL row lock. A student's password is the current one or an outstanding
   one-time password (REC-2, services/credentials/one_time_password.py): the counter's `verify`;
3. settle: a second short write transaction gives the slot back and counts the outcome.
   The failure that makes five sets the lock; a right password is accepted only if the
   row is not locked at that moment and the counter's `accept` still takes it (a one-time
   password is used up there, once, however many checks matched it), and a success resets
   the count.

So at most five passwords are checked before a lock, however many arrive at once; a
burst sets one lock and cannot lengthen it (nothing is checked while it holds); and a
right password arriving after the fifth failure is refused without being checked. A
check that never settles (the process died, the database failed) keeps its slot until
`CHECK_LEASE` has passed and then counts as a failure: a failure is never lost.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from openccc_tui.domain.hashing import Verification
from openccc_tui.services import audit
from openccc_tui.services.audit import Actor, staff_actor, student_actor
from openccc_tui.services.credentials import one_time_password
from openccc_tui.services.runtime import Runtime
from openccc_tui.store.engine import write_session
from openccc_tui.store.models import IdentifierThrottle, Staff, StudentAccount

MAX_FAILURES = 5
FIRST_LOCK = timedelta(minutes=15)
LONGEST_LOCK = timedelta(hours=24)
THROTTLE_WINDOW = timedelta(minutes=15)
"""Failures of an unknown identifier are forgotten this long after the first of them."""
CHECK_LEASE = timedelta(minutes=2)
"""How long a reserved check may take before it is counted as a failure."""

Row = TypeVar("Row", StudentAccount, Staff, IdentifierThrottle)
ANONYMOUS = Actor(name="anonymous")


def lock_duration(lockouts_before: int) -> timedelta:
    """15 minutes, doubling with each lock before, up to a day (the doubling is capped
    before it could overflow a timedelta, however many locks an attacker causes)."""
    return min(FIRST_LOCK * (1 << min(lockouts_before, 7)), LONGEST_LOCK)


def _one_hash(runtime: Runtime) -> None:
    runtime.hasher.dummy_verify()


def throttle_key(kind: str, identifier: str) -> str:
    """The IdentifierThrottle key: a digest, so the table holds no address."""
    return hashlib.sha256(f"{kind}:{identifier}".encode()).hexdigest()


@dataclass(frozen=True)
class Counter(Generic[Row]):
    """Where one kind of sign-in counts its failures, and how it audits them."""

    model: type[Row]
    failures: str
    """The attribute holding the settled consecutive failures."""
    events: str
    """The audit action prefix: `<events>.failed`, `.locked_out`, `.locked`."""
    actor: Callable[[Row], Actor]
    account_id: Callable[[Row], int | None]
    stored_hash: Callable[[Row], str | None]
    """The hash to verify against; None verifies nothing (an unknown identifier)."""
    growing: bool = False
    """Each lock doubles the next (the `lockouts` column), as student accounts do."""
    window: timedelta | None = None
    """Failures are forgotten this long after the first (`window_started_at`)."""
    verify: Callable[[Runtime, Row, str], Verification] | None = None
    """The VERIFY step, run outside any transaction; None verifies against `stored_hash`."""
    accept: Callable[[Session, Runtime, Row, Verification], bool] | None = None
    """Run in the settling transaction before a right password is accepted; False refuses it
    and counts a failure (what it was checked against was used or withdrawn meanwhile)."""
    spend: Callable[[Runtime], None] = _one_hash
    """The cost of a check refused without a verify (a locked row, an unknown identifier):
    what `verify` costs for a wrong password, so the time tells nothing."""

    def failures_of(self, row: Row) -> int:
        value: int = getattr(row, self.failures)
        return value

    def set_failures(self, row: Row, value: int) -> None:
        setattr(row, self.failures, value)


STUDENT: Counter[StudentAccount] = Counter(
    model=StudentAccount,
    failures="failed_sign_ins",
    events="student.sign_in",
    actor=student_actor,
    account_id=lambda account: account.id,
    stored_hash=lambda account: account.password_hash,
    growing=True,
    verify=one_time_password.check_password,
    accept=one_time_password.settle,
    spend=one_time_password.spend_a_failed_check,
)
STAFF: Counter[Staff] = Counter(
    model=Staff,
    failures="failed_attempts",
    events="staff.sign_in",
    actor=staff_actor,
    account_id=lambda _: None,
    stored_hash=lambda staff: staff.password_hash,
)
UNKNOWN_STUDENT: Counter[IdentifierThrottle] = Counter(
    model=IdentifierThrottle,
    failures="failures",
    events="student.sign_in.unknown",
    actor=lambda _: ANONYMOUS,
    account_id=lambda _: None,
    stored_hash=lambda _: None,
    window=THROTTLE_WINDOW,
    spend=one_time_password.spend_a_failed_check,
)
UNKNOWN_STAFF: Counter[IdentifierThrottle] = Counter(
    model=IdentifierThrottle,
    failures="failures",
    events="staff.sign_in.unknown",
    actor=lambda _: ANONYMOUS,
    account_id=lambda _: None,
    stored_hash=lambda _: None,
    window=THROTTLE_WINDOW,
)


def is_locked(row: StudentAccount | Staff | IdentifierThrottle, now: datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def check_password(
    runtime: Runtime,
    counter: Counter[Row],
    key: Any,
    password: str,
    *,
    detail: str = "",
    reset_on_success: bool = True,
    on_success: Callable[[Session, Row, Verification], None] | None = None,
) -> Row | None:
    """Check `password` for the row `key` under the SIGN-7 limits; the row as settled when
    it is right, None when it is wrong or was not checked (locked, or five checks already
    in flight). Either way the counter's hashes are computed (one, two for a student: the
    password and a one-time password), so the time tells nothing. `on_success` runs in
    the settling transaction (a hash upgrade, an audit event); `reset_on_success` is False
    where a second factor still follows."""
    reserved = _reserve(runtime, counter, key, detail)
    stored = counter.stored_hash(reserved) if reserved is not None else None
    if reserved is None or stored is None:
        counter.spend(runtime)
        verification = Verification(ok=False)
    elif counter.verify is not None:
        verification = counter.verify(runtime, reserved, password)
    else:
        verification = runtime.hasher.verify(password, stored)
    if reserved is None:
        return None
    return _settle(runtime, counter, key, stored, verification, detail, reset_on_success, on_success)


def count_failure(runtime: Runtime, account: StudentAccount, detail: str) -> bool:
    """Count one failure that was not a password (a secret answer); True when it locked."""
    with write_session(runtime.engine) as db:
        row = db.get(StudentAccount, account.id, with_for_update=True)
        if row is None:
            return False
        return count_failure_in(db, runtime, STUDENT, row, detail)


def count_failure_in(db: Session, runtime: Runtime, counter: Counter[Row], row: Row, detail: str) -> bool:
    """Count one failure on `row`, locked in `db`'s transaction; True when it set the lock."""
    now = runtime.clock()
    counter.set_failures(row, counter.failures_of(row) + 1)
    locks = counter.failures_of(row) >= MAX_FAILURES and not is_locked(row, now)
    if locks:
        _lock(counter, row, now)
    _audit(db, runtime, counter, row, "locked_out" if locks else "failed", detail)
    return locks


def _reserve(runtime: Runtime, counter: Counter[Row], key: Any, detail: str) -> Row | None:
    # Not durable: a power cut could only undo a slot whose check has given no answer yet,
    # since the settling commit, durable, covers it (a WAL or a log is written in order).
    with write_session(runtime.engine, durable=False) as db:
        now = runtime.clock()
        if counter.window is not None:
            _insert_throttle(db, key, now)
        row = db.get(counter.model, key, with_for_update=True)
        if row is None:
            return None
        _forget_old_failures(counter, row, now)
        _count_expired_checks(db, runtime, counter, row, now)
        if is_locked(row, now) or counter.failures_of(row) + row.checks_pending >= MAX_FAILURES:
            _audit(db, runtime, counter, row, "locked", detail)
            return None
        if row.checks_pending == 0:
            row.checks_pending_until = now + CHECK_LEASE
        row.checks_pending += 1
        return row


def _settle(
    runtime: Runtime,
    counter: Counter[Row],
    key: Any,
    checked_hash: str | None,
    verification: Verification,
    detail: str,
    reset_on_success: bool,
    on_success: Callable[[Session, Row, Verification], None] | None,
) -> Row | None:
    with write_session(runtime.engine) as db:
        now = runtime.clock()
        row = db.get(counter.model, key, with_for_update=True)
        if row is None:
            return None
        already_counted = row.checks_pending == 0  # its lease ran out: counted as a failure
        row.checks_pending = max(row.checks_pending - 1, 0)
        if row.checks_pending == 0:
            row.checks_pending_until = None
        right = verification.ok and counter.stored_hash(row) == checked_hash  # not changed meanwhile
        locked = is_locked(row, now)
        if right and not locked and counter.accept is not None:
            right = counter.accept(db, runtime, row, verification)
        if right and not locked:
            if reset_on_success:
                counter.set_failures(row, 0)
                row.locked_until = None
                if isinstance(row, StudentAccount):
                    row.lockouts = 0
            if on_success is not None:
                on_success(db, row, verification)
            return row
        if right:
            _audit(db, runtime, counter, row, "locked", detail)
        elif already_counted:
            _audit(db, runtime, counter, row, "failed", detail)
        else:
            count_failure_in(db, runtime, counter, row, detail)
        return None


def _lock(counter: Counter[Row], row: Row, now: datetime) -> None:
    counter.set_failures(row, 0)
    if counter.growing and isinstance(row, StudentAccount):
        row.locked_until = now + lock_duration(row.lockouts)
        row.lockouts += 1
    else:
        row.locked_until = now + FIRST_LOCK


def _forget_old_failures(counter: Counter[Row], row: Row, now: datetime) -> None:
    if counter.window is None or not isinstance(row, IdentifierThrottle) or is_locked(row, now):
        return
    if row.checks_pending == 0 and (row.failures == 0 or now - row.window_started_at >= counter.window):
        row.failures, row.window_started_at = 0, now


def _count_expired_checks(db: Session, runtime: Runtime, counter: Counter[Row], row: Row, now: datetime) -> None:
    """Checks reserved and never settled within their lease count as failures."""
    if row.checks_pending == 0 or row.checks_pending_until is None or row.checks_pending_until > now:
        return
    expired, row.checks_pending, row.checks_pending_until = row.checks_pending, 0, None
    for _ in range(expired):
        count_failure_in(db, runtime, counter, row, "a check that never finished")


def _insert_throttle(db: Session, key: str, now: datetime) -> None:
    """The throttle row for `key`, made if missing; two terminals making it at once is fine."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.execute(
        dialect.insert(IdentifierThrottle)
        .values(key=key, failures=0, window_started_at=now, checks_pending=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _audit(db: Session, runtime: Runtime, counter: Counter[Row], row: Row, what: str, detail: str) -> None:
    action = f"{counter.events}.{what}"
    audit.record(db, runtime, counter.actor(row), action, account_id=counter.account_id(row), detail=detail)
