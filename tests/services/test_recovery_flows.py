"""The recovery and reclaim flows guard their steps (REC-1..3, ACC-9), REC-1 and REC-2 read the
same for known and unknown identifiers, REC-2's one-time password is an extra credential,
REC-3 and CODE-1 count in the database, whatever flow object asks."""

import copy
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from openccc_tui.services import notify
from openccc_tui.services.credentials.codes import NOT_A_CODE
from openccc_tui.services.flow import MessageKind, OutOfOrder
from openccc_tui.services.student import student_profile
from openccc_tui.services.student.edit_account import EditAccountFlow, EditStep
from openccc_tui.services.student.recovery import (
    CODE_WRONG,
    CONTACT_SUPPORT,
    NOT_FOUND,
    ForgotPasswordFlow,
    ForgotStep,
    RecoverAccountFlow,
    RecoverStep,
)
from openccc_tui.services.student.sign_in import Method, SignInFlow, Step
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.store.engine import read_session
from openccc_tui.store.models import AttemptCounter, Challenge, OneTimePassword, OutboxMessage, StudentAccount
from tests import factories
from tests.conftest import NOW

PASSWORD = factories.STUDENT_PASSWORD
NEW_PASSWORD = "Fresh#Start8"
QUESTION = "What was the name of your first pet?"


def winnie(runtime, **fields) -> int:
    values = {
        "cccid": "AAA0001",
        "email": "winnie@test.com",
        "email_validated": True,
        "username": "winnie01",
        "street1": "1 Main St",
        "city": "Davis",
        "state": "CA",
        "postal_code": "95616",
        "secret_question": QUESTION,
        "secret_answer_hash": runtime.hasher.hash("mr. whiskers"),
    }
    return factories.stored_student(runtime, **(values | fields))


def stored(runtime, account_id) -> StudentAccount:
    with read_session(runtime.engine) as db:
        return db.get_one(StudentAccount, account_id)


def code_to(runtime, address) -> str:
    return factories.latest_code(runtime, address)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def state(runtime, flow) -> tuple:
    """Everything an answer could change: the flow's fields and the rows the flows write."""
    fields = {name: copy.deepcopy(value) for name, value in vars(flow).items() if name != "runtime"}
    with read_session(runtime.engine) as db:
        rows = (
            sorted((c.key, c.count, c.window_started_at) for c in db.exec(select(AttemptCounter))),
            sorted((c.id, c.code_hash, c.failed_attempts, c.used_at, c.ended_at) for c in db.exec(select(Challenge))),
            len(db.exec(select(OutboxMessage)).all()),
            sorted(
                (a.id, a.password_hash, a.email, a.email_validated, a.failed_sign_ins, a.must_change_password)
                for a in db.exec(select(StudentAccount))
            ),
            sorted((o.account_id, o.password_hash) for o in db.exec(select(OneTimePassword))),
        )
    return fields, rows


# Driving each flow to each of its steps, for real --------------------------------------------


def forgot_at(runtime, step: ForgotStep) -> ForgotPasswordFlow:
    flow = ForgotPasswordFlow(runtime, "winnie@test.com", winnie(runtime))
    if step is not ForgotStep.CHANNEL:
        flow.choose("email")
    if step is ForgotStep.ENDED:
        for _ in range(5):
            flow.submit_code(wrong(code_to(runtime, "winnie@test.com")))
    elif step in (ForgotStep.NEW_PASSWORD, ForgotStep.DONE):
        flow.submit_code(code_to(runtime, "winnie@test.com"))
    if step is ForgotStep.DONE:
        flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD)
    return flow


def recover_at(runtime, step: RecoverStep) -> RecoverAccountFlow:
    winnie(runtime)
    flow = RecoverAccountFlow(runtime)
    if step in (RecoverStep.BY_EMAIL, RecoverStep.ONE_TIME_PASSWORD_SENT):
        flow.choose(RecoverStep.BY_EMAIL)
    elif step is not RecoverStep.CHOOSE:
        flow.choose(RecoverStep.BY_IDENTITY)
    if step is RecoverStep.ONE_TIME_PASSWORD_SENT:
        flow.submit_email("winnie@test.com")
    if step is RecoverStep.ENDED:
        for _ in range(5):
            flow.submit_identity("Winnie", "Pooh", "1999-09-09", cccid="AAA0001")
    if step in (RecoverStep.FOUND, RecoverStep.SECRET_QUESTION, RecoverStep.NEW_PASSWORD, RecoverStep.DONE):
        flow.submit_identity("Winnie", "Pooh", "2000-01-02", cccid="AAA0001")
    if step in (RecoverStep.SECRET_QUESTION, RecoverStep.NEW_PASSWORD, RecoverStep.DONE):
        flow.reset_password()
    if step in (RecoverStep.NEW_PASSWORD, RecoverStep.DONE):
        flow.submit_answer("Mr Whiskers.")
        flow.submit_answer("mr. whiskers")
    if step is RecoverStep.DONE:
        flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD)
    return flow


def student_of(runtime, account_id) -> StudentSession:
    return StudentSession(account_id=account_id, cccid="AAA0001", name="Winnie", password_verified_at=NOW)


def profile(runtime, student, **changes) -> dict[str, str]:
    return student_profile.load_profile(runtime, student).values | changes


def edit_at(runtime, step: EditStep) -> EditAccountFlow:
    student = student_of(runtime, winnie(runtime))
    flow = EditAccountFlow(runtime, student)
    if step is EditStep.REAUTHENTICATE:
        student.password_verified_at = NOW - timedelta(minutes=11)
        flow.save(profile(runtime, student))
    if step is EditStep.EMAIL_CODE:
        flow.save(profile(runtime, student, email="w.pooh@home.org", **{"email-confirm": "w.pooh@home.org"}))
    return flow


Calls = dict[str, tuple[set, Callable]]

FORGOT_CALLS: Calls = {
    "choose": ({ForgotStep.CHANNEL}, lambda f: f.choose("email")),
    "resend": ({ForgotStep.CODE}, lambda f: f.resend()),
    "submit_code": ({ForgotStep.CODE}, lambda f: f.submit_code("123456")),
    "submit_new_password": ({ForgotStep.NEW_PASSWORD}, lambda f: f.submit_new_password(NEW_PASSWORD, NEW_PASSWORD)),
}
RECOVER_CALLS: Calls = {
    "choose": ({RecoverStep.CHOOSE}, lambda f: f.choose(RecoverStep.BY_IDENTITY)),
    "submit_email": ({RecoverStep.BY_EMAIL}, lambda f: f.submit_email("winnie@test.com")),
    "submit_identity": (
        {RecoverStep.BY_IDENTITY},
        lambda f: f.submit_identity("Winnie", "Pooh", "2000-01-02", cccid="AAA0001"),
    ),
    "reset_password": ({RecoverStep.FOUND}, lambda f: f.reset_password()),
    "submit_answer": ({RecoverStep.SECRET_QUESTION}, lambda f: f.submit_answer("mr. whiskers")),
    "submit_new_password": ({RecoverStep.NEW_PASSWORD}, lambda f: f.submit_new_password(NEW_PASSWORD, NEW_PASSWORD)),
}
EDIT_CALLS: Calls = {
    "save": ({EditStep.FORM}, lambda f: f.save({})),
    "reauthenticate": ({EditStep.REAUTHENTICATE}, lambda f: f.reauthenticate(PASSWORD)),
    "cancel": ({EditStep.REAUTHENTICATE, EditStep.EMAIL_CODE}, lambda f: f.cancel()),
    "resend": ({EditStep.EMAIL_CODE}, lambda f: f.resend()),
    "submit_code": ({EditStep.EMAIL_CODE}, lambda f: f.submit_code("123456")),
}
CASES = (
    [pytest.param(forgot_at, FORGOT_CALLS, step, id=f"forgot-{step.value}") for step in ForgotStep]
    + [pytest.param(recover_at, RECOVER_CALLS, step, id=f"recover-{step.value}") for step in RecoverStep]
    + [pytest.param(edit_at, EDIT_CALLS, step, id=f"edit-{step.value}") for step in EditStep]
)


@pytest.mark.parametrize(("reach", "calls", "step"), CASES)
def test_rec_1_2_3_acc_9_every_answer_outside_its_step_is_refused_and_changes_nothing(runtime, reach, calls, step):
    flow = reach(runtime, step)
    assert flow.step is step
    refused = 0
    for name, (own_steps, call) in calls.items():
        if step in own_steps and not flow.finished:
            continue
        before = state(runtime, flow)
        with pytest.raises(OutOfOrder):
            call(flow)
        assert state(runtime, flow) == before, name
        refused += 1
    assert refused > 0


# REC-1: the same pages for every identifier -----------------------------------------------------


def forgot_transcript(flow: ForgotPasswordFlow, codes: list[str]) -> list[tuple[ForgotStep, str, MessageKind]]:
    seen = [(flow.choose("sms"), flow.message, flow.message_kind)]
    for code in codes:
        seen.append((flow.submit_code(code), flow.message, flow.message_kind))
    return seen


def test_rec_1_known_unknown_and_missing_channel_read_the_same_and_nothing_is_sent(runtime, pacific_time):
    account_id = winnie(runtime)  # a validated email, no phone
    entries = ["", "12345", "123456", "234567", "345678", "456789", "567890"]
    unknown = forgot_transcript(ForgotPasswordFlow(runtime, "nobody@test.com", None), entries)
    known = forgot_transcript(ForgotPasswordFlow(runtime, "winnie@test.com", account_id), entries)
    assert known == unknown
    assert [message for _, message, _ in known[1:4]] == [NOT_A_CODE, NOT_A_CODE, CODE_WRONG]
    assert known[-1] == (ForgotStep.ENDED, "That is five wrong codes. Try again after 7:45 AM.", MessageKind.ERROR)
    assert notify.recent(runtime) == []
    assert runtime.hasher.verify(PASSWORD, stored(runtime, account_id).password_hash).ok


def test_code_1_forgot_password_resend_refusal_is_a_message_the_same_for_everybody(runtime, pacific_time):
    account_id = winnie(runtime)
    for flow in (
        ForgotPasswordFlow(runtime, "winnie@test.com", account_id),
        ForgotPasswordFlow(runtime, "x@y.org", None),
    ):
        flow.choose("email")
        assert [flow.resend() for _ in range(3)] == [ForgotStep.CODE] * 3
        assert flow.message == "A new Validation Code is on its way." and flow.message_kind is MessageKind.NOTICE
        assert flow.resend() is ForgotStep.CODE
        assert (flow.message, flow.message_kind) == (
            "You have asked for three new codes in 15 minutes. Try again after 7:45 AM.",
            MessageKind.ERROR,
        )
    assert len(notify.recent(runtime, to="winnie@test.com")) == 4


def test_code_1_forgot_password_limits_survive_starting_again(runtime, pacific_time):
    account_id = winnie(runtime)
    first = ForgotPasswordFlow(runtime, "winnie@test.com", account_id)  # F4
    first.choose("email")
    for _ in range(3):
        first.submit_code(wrong(code_to(runtime, "winnie@test.com")))
    second = ForgotPasswordFlow(runtime, "winnie@test.com", account_id)  # Escape, F4 again
    second.choose("email")
    assert second.submit_code(wrong(code_to(runtime, "winnie@test.com"))) is ForgotStep.CODE
    assert second.submit_code(wrong(code_to(runtime, "winnie@test.com"))) is ForgotStep.ENDED
    third = ForgotPasswordFlow(runtime, "winnie@test.com", account_id)
    assert third.choose("email") is ForgotStep.CHANNEL
    assert third.message == "That is five wrong codes. Try again after 7:45 AM."
    assert len(notify.recent(runtime, to="winnie@test.com")) == 2


def test_rec_1_a_new_password_only_after_an_accepted_code(runtime):
    account_id = winnie(runtime)
    flow = ForgotPasswordFlow(runtime, "winnie@test.com", account_id)
    with pytest.raises(OutOfOrder):
        flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD)
    flow.choose("email")
    with pytest.raises(OutOfOrder):
        flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD)
    assert runtime.hasher.verify(PASSWORD, stored(runtime, account_id).password_hash).ok


# REC-2: a rate-limited extra credential, the same page for everybody -----------------------------


def request_one_time_password(runtime, email: str) -> RecoverAccountFlow:
    flow = RecoverAccountFlow(runtime)
    flow.choose(RecoverStep.BY_EMAIL)
    flow.submit_email(email)
    return flow


def one_time_password_sent(runtime) -> str:
    (message,) = notify.recent(runtime, to="winnie@test.com")
    found = re.search(r"One-time password: (\S+)", message.body or "")
    assert found is not None
    return found.group(1)


def sign_in(runtime, password: str) -> SignInFlow:
    flow = SignInFlow(runtime)
    flow.submit_identifier("winnie@test.com")
    flow.submit_password(password)
    return flow


def test_rec_2_known_and_unknown_emails_get_the_same_page(runtime):
    winnie(runtime)
    known, unknown = (
        request_one_time_password(runtime, "winnie@test.com"),
        request_one_time_password(runtime, "no@x.org"),
    )
    assert (known.step, known.message, known.username) == (unknown.step, unknown.message, unknown.username)
    assert known.step is RecoverStep.ONE_TIME_PASSWORD_SENT and known.username == ""
    assert [m.to_address for m in notify.recent(runtime)] == ["winnie@test.com"]


def test_rec_2_a_request_never_changes_the_password_and_the_old_one_withdraws_it(runtime):
    account_id = winnie(runtime)
    request_one_time_password(runtime, "winnie@test.com")
    one_time = one_time_password_sent(runtime)
    account = stored(runtime, account_id)
    assert runtime.hasher.verify(PASSWORD, account.password_hash).ok and not account.must_change_password
    assert sign_in(runtime, PASSWORD).step is Step.DONE  # the old password still works ...
    assert sign_in(runtime, one_time).step is Step.SIGN_IN  # ... and withdrew the one-time password


def test_rec_2_the_one_time_password_works_once_and_forces_a_change(runtime):
    account_id = winnie(runtime)
    request_one_time_password(runtime, "winnie@test.com")
    one_time = one_time_password_sent(runtime)
    flow = sign_in(runtime, one_time)
    assert flow.step is Step.UPDATE_PASSWORD and stored(runtime, account_id).must_change_password
    assert sign_in(runtime, one_time).step is Step.SIGN_IN
    assert flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD) is Step.DONE
    assert sign_in(runtime, NEW_PASSWORD).step is Step.DONE


def test_rec_2_the_one_time_password_is_valid_24_hours(runtime):
    winnie(runtime)
    request_one_time_password(runtime, "winnie@test.com")
    one_time = one_time_password_sent(runtime)
    runtime.clock = lambda: NOW + timedelta(hours=24)
    assert sign_in(runtime, one_time).step is Step.SIGN_IN


def test_rec_2_requests_are_limited_per_email_and_per_terminal_alike_for_unknown_emails(runtime, pacific_time):
    winnie(runtime)
    for email in ("winnie@test.com", "nobody@test.com"):
        for _ in range(3):
            assert request_one_time_password(runtime, email).step is RecoverStep.ONE_TIME_PASSWORD_SENT
        refused = request_one_time_password(runtime, email)
        assert (refused.step, refused.message) == (
            RecoverStep.BY_EMAIL,
            "You have asked for this too often. Try again after 8:30 AM.",
        )
    assert len(notify.recent(runtime, to="winnie@test.com")) == 3
    for n in range(4):
        assert request_one_time_password(runtime, f"someone{n}@test.com").step is RecoverStep.ONE_TIME_PASSWORD_SENT
    assert request_one_time_password(runtime, "someone9@test.com").step is RecoverStep.BY_EMAIL  # 11th here
    runtime.terminal = "another tty"
    assert request_one_time_password(runtime, "someone9@test.com").step is RecoverStep.ONE_TIME_PASSWORD_SENT


# REC-3: the count lives in the database ---------------------------------------------------------


def find(runtime, dob: str = "2000-01-02", first: str = "Winnie") -> RecoverAccountFlow:
    flow = RecoverAccountFlow(runtime)
    if flow.choose(RecoverStep.BY_IDENTITY) is RecoverStep.BY_IDENTITY:
        flow.submit_identity(first, "Pooh", dob, cccid="AAA0001")
    return flow


def test_rec_3_starting_again_does_not_reset_the_count_per_claimed_identity(runtime):
    winnie(runtime)
    for _ in range(3):
        assert find(runtime, dob="2000-01-02", first="Winnie").step is RecoverStep.FOUND  # successes do not count
        flow = RecoverAccountFlow(runtime)
        flow.choose(RecoverStep.BY_IDENTITY)
        assert flow.submit_identity("Winnie", "Pooh", "2000-01-02", cccid="ZZZ9999") is RecoverStep.BY_IDENTITY
        assert flow.message == NOT_FOUND
    flow = find(runtime)
    flow.reset_password()
    assert flow.submit_answer("wrong answer") is RecoverStep.SECRET_QUESTION  # the fourth failure
    assert flow.submit_answer("wrong again") is RecoverStep.ENDED
    assert flow.message == CONTACT_SUPPORT
    with pytest.raises(OutOfOrder):
        flow.submit_answer("mr. whiskers")  # ended is final
    again = find(runtime)  # the right data, in a new flow on this terminal: still ended
    assert (again.step, again.message, again.username) == (RecoverStep.ENDED, CONTACT_SUPPORT, "")
    runtime.terminal = "another tty"
    again = find(runtime)  # the same claimed identity from another terminal
    assert (again.step, again.message, again.username) == (RecoverStep.ENDED, CONTACT_SUPPORT, "")
    assert find(runtime, dob="2000-01-02", first="Winifred").step is RecoverStep.BY_IDENTITY  # another one: counted


def test_rec_3_starting_again_does_not_reset_the_count_per_terminal(runtime):
    winnie(runtime)
    for day in range(1, 6):
        find(runtime, dob=f"1990-01-0{day}")  # five different claimed identities, all wrong
    flow = RecoverAccountFlow(runtime)
    assert flow.choose(RecoverStep.BY_IDENTITY) is RecoverStep.ENDED and flow.message == CONTACT_SUPPORT
    assert RecoverAccountFlow(runtime).choose(RecoverStep.BY_EMAIL) is RecoverStep.BY_EMAIL
    runtime.clock = lambda: NOW + timedelta(hours=24)
    assert find(runtime).step is RecoverStep.FOUND


# CODE-1 for the other kinds of code --------------------------------------------------------------


def test_code_1_sign_in_validation_counts_across_sign_ins(runtime, pacific_time):
    winnie(runtime, email_validated=False)
    first = sign_in(runtime, PASSWORD)
    assert first.step is Step.VALIDATION_CODE
    assert first.submit_code("") is Step.VALIDATION_CODE and first.message == NOT_A_CODE
    for _ in range(3):
        first.submit_code(wrong(code_to(runtime, "winnie@test.com")))
    second = sign_in(runtime, PASSWORD)  # a new challenge, the same window
    second.submit_code(wrong(code_to(runtime, "winnie@test.com")))
    assert second.submit_code(wrong(code_to(runtime, "winnie@test.com"))) is Step.VALIDATION_CODE
    assert second.message == "That is five wrong codes. Try again after 7:45 AM."
    assert second.resend_code() is Step.VALIDATION_CODE and "7:45 AM" in second.message
    assert second.submit_code(code_to(runtime, "winnie@test.com")) is Step.VALIDATION_CODE


def test_code_1_alternate_contact_resends_are_limited(runtime, pacific_time):
    factories.stored_student(runtime, cccid="AAA0001", email="family@test.com", username="mom", email_validated=True)
    factories.stored_student(runtime, cccid="AAA0002", email="family@test.com", username="kid")
    flow = SignInFlow(runtime)
    flow.submit_identifier("family@test.com")
    flow.submit_username("kid")
    assert flow.submit_password(PASSWORD) is Step.ALTERNATE_CONTACT
    assert flow.submit_alternate(Method.EMAIL, "kid@home.org") is Step.VALIDATION_CODE
    for _ in range(3):
        assert flow.resend_code() is Step.VALIDATION_CODE and flow.message_kind is MessageKind.NOTICE
    flow.resend_code()
    assert flow.message == "You have asked for three new codes in 15 minutes. Try again after 7:45 AM."
    assert flow.message_kind is MessageKind.ERROR


def test_code_1_email_change_code_limits_and_resend(runtime, pacific_time):
    flow = edit_at(runtime, EditStep.EMAIL_CODE)
    assert flow.submit_code("abc") is EditStep.EMAIL_CODE and flow.message == NOT_A_CODE
    assert flow.resend() is EditStep.EMAIL_CODE and flow.message_kind is MessageKind.NOTICE
    for _ in range(4):
        assert flow.submit_code(wrong(code_to(runtime, "w.pooh@home.org"))) is EditStep.EMAIL_CODE
    assert flow.submit_code(wrong(code_to(runtime, "w.pooh@home.org"))) is EditStep.FORM
    assert flow.message == "That is five wrong codes. Try again after 7:45 AM. Your new email is not validated yet."
    assert not stored(runtime, flow.student.account_id).email_validated
