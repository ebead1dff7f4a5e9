"""SIGN-7 exactly, under bursts of attempts from several OS processes at once, on SQLite
and PostgreSQL: at most five passwords checked before the lock, one lock per burst, a right
password checked after the fifth failure refused, unknown identifiers throttled alike."""

import multiprocessing
import os
import threading
from datetime import timedelta

from sqlmodel import col, select

from openccc_tui.services import notify
from openccc_tui.services.credentials.lockout import CHECK_LEASE, throttle_key
from openccc_tui.services.staff.staff_sign_in import WRONG_CREDENTIALS, StaffSignInFlow, StaffStep
from openccc_tui.services.student.recovery import RecoverAccountFlow, RecoverStep
from openccc_tui.services.student.sign_in import SIGN_IN_FAILED, SignInFlow, Step
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import AuditEvent, IdentifierThrottle, OneTimePassword, Staff, StudentAccount
from tests import factories
from tests.conftest import NOW
from tests.processes import run_at_once, worker_runtime

EMAIL = "winnie@test.com"
WRONG = "Wrong#Pass1"
CHECKED = {"failed", "locked_out", "password"}


def _burst(database_url: str, folder: str, barrier, identifier: str, passwords: list[str]) -> list[tuple]:
    """One process's attempts, one thread each, all released together."""
    runtime = worker_runtime(database_url, folder)
    flows = []
    for _ in passwords:
        flow = SignInFlow(runtime)
        flow.submit_identifier(identifier)
        flows.append(flow)
    outcomes: list[tuple] = [()] * len(passwords)
    start = threading.Barrier(len(passwords))

    def attempt(index: int) -> None:
        start.wait(timeout=60)
        step = flows[index].submit_password(passwords[index])
        outcomes[index] = (passwords[index], step.value, flows[index].message)

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(len(passwords))]
    barrier.wait(timeout=60)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    runtime.engine.dispose()
    return outcomes


def _events(runtime, prefix: str, account_id: int | None = None) -> list[str]:
    """The lockout's audit events under `prefix`, in the order their transactions ran."""
    with read_session(runtime.engine) as session:
        query = select(AuditEvent.action).where(col(AuditEvent.action).startswith(prefix + "."))
        if account_id is not None:
            query = query.where(AuditEvent.account_id == account_id)
        actions = session.exec(query.order_by(col(AuditEvent.id))).all()
    return [action.removeprefix(prefix + ".") for action in actions if "." not in action.removeprefix(prefix + ".")]


def _replay(events: list[str]) -> int:
    """Walk the events as SIGN-7 reads: fewer than five failures in a row before a lock,
    the fifth one locks, nothing is checked once locked. Returns the number of locks."""
    failures, locks = 0, 0
    for event in events:
        if locks:
            assert event == "locked", events
        elif event == "password":
            failures = 0
        elif event in ("failed", "locked_out"):
            failures += 1
            assert (event == "locked_out") == (failures == 5), events
            locks += event == "locked_out"
    return locks


def test_sign_7_a_burst_of_wrong_passwords_and_the_right_one_checks_at_most_five(runtime, tmp_path):
    account_id = factories.stored_student(runtime, cccid="AAA0001", email=EMAIL, email_validated=True)
    arguments = [(EMAIL, [WRONG] * 10), (EMAIL, [WRONG] * 10), (EMAIL, [factories.STUDENT_PASSWORD])]
    outcomes = [o for batch in run_at_once(_burst, runtime.settings.database_url, tmp_path, arguments) for o in batch]
    events = _events(runtime, "student.sign_in", account_id)
    assert len(events) == 21 and _replay(events) <= 1, events
    right = next(step for password, step, _ in outcomes if password == factories.STUDENT_PASSWORD)
    wrong_answers = {(step, message) for password, step, message in outcomes if password == WRONG}
    assert wrong_answers == {(Step.SIGN_IN.value, SIGN_IN_FAILED)}
    with read_session(runtime.engine) as session:
        account = session.get_one(StudentAccount, account_id)
    assert account.checks_pending == 0
    if right == Step.SIGN_IN.value:  # checked after the fifth failure, or not at all
        assert "password" not in events
        assert sum(event in CHECKED for event in events) == 5, events
        assert events.count("locked_out") == 1
        assert account.locked_until == NOW + timedelta(minutes=15) and account.lockouts == 1
    else:  # checked before the fifth failure: accepted, and it reset the count
        assert right == Step.DONE.value
        assert events.index("password") < (events.index("locked_out") if "locked_out" in events else len(events))
        assert account.locked_until in (None, NOW + timedelta(minutes=15))


def test_sign_7_a_burst_sets_one_lock_and_the_right_password_after_it_is_refused(runtime, tmp_path):
    account_id = factories.stored_student(runtime, cccid="AAA0001", email=EMAIL, email_validated=True)
    run_at_once(_burst, runtime.settings.database_url, tmp_path, [(EMAIL, [WRONG] * 6) for _ in range(3)])
    events = _events(runtime, "student.sign_in", account_id)
    assert sorted(events) == ["failed"] * 4 + ["locked"] * 13 + ["locked_out"], events
    assert _replay(events) == 1
    flow = SignInFlow(runtime)
    flow.submit_identifier(EMAIL)
    assert flow.submit_password(factories.STUDENT_PASSWORD) is Step.SIGN_IN and flow.message == SIGN_IN_FAILED
    with read_session(runtime.engine) as session:
        account = session.get_one(StudentAccount, account_id)
    assert account.locked_until == NOW + timedelta(minutes=15) and account.lockouts == 1
    assert account.failed_sign_ins == 0 and account.checks_pending == 0


def test_sign_7_unknown_identifier_is_throttled_and_answered_like_a_known_one(runtime, tmp_path):
    account_id = factories.stored_student(runtime, cccid="AAA0001", email=EMAIL, email_validated=True)
    unknown = "nobody@test.com"
    arguments = [(EMAIL, [WRONG] * 4) for _ in range(2)] + [(unknown, [WRONG] * 4) for _ in range(2)]
    batches = run_at_once(_burst, runtime.settings.database_url, tmp_path, arguments)
    known_answers = {(step, message) for batch in batches[:2] for _, step, message in batch}
    unknown_answers = {(step, message) for batch in batches[2:] for _, step, message in batch}
    assert known_answers == unknown_answers == {(Step.SIGN_IN.value, SIGN_IN_FAILED)}
    known = _events(runtime, "student.sign_in", account_id)
    strangers = _events(runtime, "student.sign_in.unknown")
    assert sorted(known) == sorted(strangers) == ["failed"] * 4 + ["locked"] * 3 + ["locked_out"]
    with read_session(runtime.engine) as session:
        throttle = session.get_one(IdentifierThrottle, throttle_key("email", unknown))
        assert throttle.locked_until == session.get_one(StudentAccount, account_id).locked_until
        assert throttle.locked_until == NOW + timedelta(minutes=15)
        assert session.exec(select(StudentAccount.id)).all() == [account_id]  # nothing created


def _staff_burst(database_url: str, folder: str, barrier, passwords: list[str]) -> list[str]:
    runtime = worker_runtime(database_url, folder)
    outcomes = [""] * len(passwords)
    start = threading.Barrier(len(passwords))

    def attempt(index: int) -> None:
        start.wait(timeout=60)
        flow = StaffSignInFlow(runtime)
        flow.submit_credentials("cory", passwords[index])
        outcomes[index] = f"{flow.step.value}: {flow.message}"

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(len(passwords))]
    barrier.wait(timeout=60)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    runtime.engine.dispose()
    return outcomes


def test_staff_1_sign_7_a_burst_against_a_staff_account_checks_at_most_five(runtime, tmp_path):
    factories.staff_actor(runtime, "cory", "creator")
    batches = run_at_once(_staff_burst, runtime.settings.database_url, tmp_path, [([WRONG] * 6,)] * 2)
    assert {o for batch in batches for o in batch} == {f"{StaffStep.CREDENTIALS.value}: {WRONG_CREDENTIALS}"}
    events = _events(runtime, "staff.sign_in")
    assert sorted(events) == ["failed"] * 4 + ["locked"] * 7 + ["locked_out"], events
    with read_session(runtime.engine) as session:
        staff = session.exec(select(Staff)).one()
    assert staff.locked_until == NOW + timedelta(minutes=15) and staff.checks_pending == 0


def _dies_while_hashing(database_url: str, folder: str) -> None:
    runtime = worker_runtime(database_url, folder)
    # The process ends between reserving and settling.
    runtime.hasher.verify = lambda *_: os._exit(3)  # type: ignore[method-assign]
    flow = SignInFlow(runtime)
    flow.submit_identifier(EMAIL)
    flow.submit_password(WRONG)


def test_sign_7_a_check_that_never_finishes_counts_as_a_failure(runtime, tmp_path):
    account_id = factories.stored_student(runtime, cccid="AAA0001", email=EMAIL, email_validated=True)
    process = multiprocessing.get_context("spawn").Process(
        target=_dies_while_hashing, args=(runtime.settings.database_url, str(tmp_path))
    )
    process.start()
    process.join(timeout=60)
    assert process.exitcode == 3
    with read_session(runtime.engine) as session:
        assert session.get_one(StudentAccount, account_id).checks_pending == 1
    runtime.clock = lambda: NOW + CHECK_LEASE
    for _ in range(4):
        flow = SignInFlow(runtime)
        flow.submit_identifier(EMAIL)
        flow.submit_password(WRONG)
    with read_session(runtime.engine) as session:
        account = session.get_one(StudentAccount, account_id)
    assert account.locked_until == NOW + CHECK_LEASE + timedelta(minutes=15)
    assert account.checks_pending == 0


def _one_time_password(runtime) -> str:
    """REC-2: ask Recover Account for a one-time password and read it from the outbox."""
    flow = RecoverAccountFlow(runtime)
    flow.choose(RecoverStep.BY_EMAIL)
    flow.submit_email(EMAIL)
    (message,) = notify.recent(runtime, to=EMAIL)
    return (message.body or "").split("One-time password: ")[1].split()[0]


def test_rec_2_sign_7_a_one_time_password_in_a_burst_is_used_once(runtime, tmp_path):
    """The one-time password is used up in the settling transaction: of several checks that
    matched it at once, exactly one signs in (and must change the password); the others
    count as failures."""
    account_id = factories.stored_student(runtime, cccid="AAA0001", email=EMAIL, email_validated=True)
    one_time = _one_time_password(runtime)
    batches = run_at_once(_burst, runtime.settings.database_url, tmp_path, [(EMAIL, [one_time] * 2)] * 2)
    steps = sorted(step for batch in batches for _, step, _ in batch)
    assert steps == [Step.SIGN_IN.value] * 3 + [Step.UPDATE_PASSWORD.value], steps
    events = _events(runtime, "student.sign_in", account_id)
    assert sorted(events) == ["failed"] * 3 + ["password"], events
    with read_session(runtime.engine) as session:
        account = session.get_one(StudentAccount, account_id)
        assert account.must_change_password and account.checks_pending == 0
        assert session.exec(select(OneTimePassword)).all() == []


def test_rec_2_sign_7_a_locked_account_refuses_its_one_time_password_at_the_cost_of_a_wrong_one(runtime, monkeypatch):
    factories.stored_student(runtime, cccid="AAA0001", email=EMAIL, email_validated=True)
    one_time = _one_time_password(runtime)
    for _ in range(5):
        flow = SignInFlow(runtime)
        flow.submit_identifier(EMAIL)
        flow.submit_password(WRONG)
    hashes: list[str] = []
    monkeypatch.setattr(runtime.hasher, "dummy_verify", lambda: hashes.append("dummy"))
    flow = SignInFlow(runtime)
    flow.submit_identifier(EMAIL)
    assert flow.submit_password(one_time) is Step.SIGN_IN and flow.message == SIGN_IN_FAILED
    assert hashes == ["dummy", "dummy"]  # what a wrong password costs: the password and a one-time password
    monkeypatch.undo()
    with read_session(runtime.engine) as session:
        assert len(session.exec(select(OneTimePassword)).all()) == 1  # not used up by the refusal
    runtime.clock = lambda: NOW + timedelta(minutes=15, seconds=1)
    flow = SignInFlow(runtime)
    flow.submit_identifier(EMAIL)
    assert flow.submit_password(one_time) is Step.UPDATE_PASSWORD
