"""ACC-9 Edit Account and reclaim, REC-1 Forgot Password, REC-2/3 Recover Account, APP-1/2."""

import re
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlmodel import select

from openccc_tui.domain.recovery import ssn_digest
from openccc_tui.services import account_creation, notify
from openccc_tui.services.errors import InvalidInput, ServiceError
from openccc_tui.services.flow import MessageKind
from openccc_tui.services.student import applications, student_profile
from openccc_tui.services.student.applications import ApplicationType
from openccc_tui.services.student.edit_account import EditAccountFlow, EditStep
from openccc_tui.services.student.recovery import (
    CODE_WRONG,
    CONTACT_SUPPORT,
    NOT_FOUND,
    ForgotStep,
    RecoverAccountFlow,
    RecoverStep,
)
from openccc_tui.services.student.sign_in import SignInFlow, Step
from openccc_tui.services.student.student_profile import ReauthenticationNeeded
from openccc_tui.services.student.student_session import StudentSession
from openccc_tui.store.engine import read_session, write_session
from openccc_tui.store.models import Application, AuditEvent, StudentAccount
from tests import factories
from tests.conftest import NOW

PASSWORD = "Hunny#Pot9"


code_for = factories.latest_code


@pytest.fixture
def staff_made(runtime):
    creator = factories.staff_actor(runtime, "cory", "creator")
    return account_creation.add_user(runtime, creator, factories.STUDENT_FORM, permission_reference="form 1")


def session_of(created):
    return StudentSession(account_id=created.account_id, cccid=created.cccid, name="Winnie", password_verified_at=NOW)


def stored(runtime, account_id):
    with read_session(runtime.engine) as db:
        return db.get(StudentAccount, account_id)


def profile_changes(runtime, student, **changes):
    values = student_profile.load_profile(runtime, student).values
    return values | changes


def test_acc_9_changing_the_email_needs_a_recent_password(runtime, staff_made):
    student = session_of(staff_made)
    runtime.clock = lambda: NOW + timedelta(minutes=10)
    with pytest.raises(ReauthenticationNeeded):
        student_profile.save_profile(runtime, student, profile_changes(runtime, student))
    assert not student_profile.reauthenticate(runtime, student, "Wrong#Pass1")
    assert stored(runtime, staff_made.account_id).failed_sign_ins == 1  # counted like any failure
    assert student_profile.reauthenticate(runtime, student, PASSWORD)
    student_profile.save_profile(runtime, student, profile_changes(runtime, student))


def test_acc_9_new_email_is_validated_by_code_the_old_one_told_and_the_account_reclaimed(runtime, staff_made):
    student = session_of(staff_made)
    flow = EditAccountFlow(runtime, student)
    changes = profile_changes(runtime, student, email="w.pooh@home.org", **{"email-confirm": "W.Pooh@home.org"})
    assert flow.save(changes) is EditStep.EMAIL_CODE
    assert flow.masked_new_email == "w****h@home.org"
    account = stored(runtime, staff_made.account_id)
    assert (account.email, account.email_validated) == ("w.pooh@home.org", False)
    (notice,) = notify.recent(runtime, to="winnie@test.com")
    assert notice.body is not None
    assert "changed to w****h@home.org" in notice.body
    code = code_for(runtime, "w.pooh@home.org")
    wrong = "000000" if code != "000000" else "111111"
    assert flow.submit_code(wrong) is EditStep.EMAIL_CODE and flow.message_kind is MessageKind.ERROR
    assert stored(runtime, staff_made.account_id).reclaimed_at is None
    assert flow.submit_code(code) is EditStep.FORM
    assert (flow.message_kind, "reclaimed" in flow.message) == (MessageKind.NOTICE, True)
    account = stored(runtime, staff_made.account_id)
    assert account.email_validated and account.reclaimed_at == NOW
    assert account.idme_workflow_status == "not_started"


def test_acc_9_validating_the_staff_made_email_does_not_reclaim(runtime, staff_made):
    flow = SignInFlow(runtime)
    flow.submit_identifier("winnie@test.com")
    flow.submit_password(PASSWORD)
    flow.submit_code(code_for(runtime, "winnie@test.com"))
    account = stored(runtime, staff_made.account_id)
    assert account.email_validated and account.reclaimed_at is None and account.idme_workflow_status == "staff_verified"


def test_acc_9_new_email_validated_at_the_next_sign_in_also_reclaims(runtime, staff_made):
    student = session_of(staff_made)
    student_profile.save_profile(
        runtime,
        student,
        profile_changes(runtime, student, email="w.pooh@home.org", **{"email-confirm": "w.pooh@home.org"}),
    )
    flow = SignInFlow(runtime)
    flow.submit_identifier("w.pooh@home.org")
    flow.submit_password(PASSWORD)
    assert flow.step is Step.VALIDATION_CODE
    flow.submit_code(code_for(runtime, "w.pooh@home.org"))
    assert stored(runtime, staff_made.account_id).reclaimed_at is not None


def test_acc_9_profile_fields_are_checked_and_saved(runtime, staff_made):
    student = session_of(staff_made)
    with pytest.raises(InvalidInput) as raised:
        student_profile.save_profile(runtime, student, profile_changes(runtime, student, postal="9", dob="2000-13-01"))
    assert [e.path for e in raised.value.errors] == ["dob", "address.postal_code"]
    student_profile.save_profile(
        runtime,
        student,
        profile_changes(
            runtime,
            student,
            first="Winifred",
            city="Sacramento",
            **{"phone-number": "916 445 2841", "phone-type": "mobile"},
        ),
    )
    account = stored(runtime, staff_made.account_id)
    assert (account.first_name, account.first_name_key, account.city, account.phone) == (
        "Winifred",
        "winifred",
        "Sacramento",
        "+19164452841",
    )


def test_rec_3_secret_answer_is_normalised_and_hashed(runtime, staff_made):
    student = session_of(staff_made)
    question = "What was the name of your first pet?"
    student_profile.save_profile(
        runtime,
        student,
        profile_changes(runtime, student, **{"secret-question": question, "secret-answer": "  Mr.  Whiskers "}),
    )
    account = stored(runtime, staff_made.account_id)
    assert account.secret_question == question and "Whiskers" not in account.secret_answer_hash
    assert runtime.hasher.verify("mr. whiskers", account.secret_answer_hash).ok


def test_rec_3_ssn_last4_is_kept_only_as_a_keyed_hash(runtime, staff_made):
    student = session_of(staff_made)
    with pytest.raises(InvalidInput):  # no key configured: no SSN digits are taken
        student_profile.save_profile(runtime, student, profile_changes(runtime, student, **{"ssn-last4": "1234"}))
    runtime.settings = runtime.settings.model_copy(update={"ssn_hash_key": SecretStr("installation-secret")})
    student_profile.save_profile(runtime, student, profile_changes(runtime, student, **{"ssn-last4": "1234"}))
    account = stored(runtime, staff_made.account_id)
    assert account.ssn_last4_hash == ssn_digest("1234", b"installation-secret") and "1234" not in account.ssn_last4_hash


def test_acc_6_excelsior_requires_a_secret_question(runtime, staff_made):
    runtime.settings = runtime.settings.model_copy(update={"policy_profile": "excelsior"})
    student = session_of(staff_made)
    with pytest.raises(InvalidInput) as raised:
        student_profile.save_profile(runtime, student, profile_changes(runtime, student))
    assert [e.path for e in raised.value.errors] == ["secret.answer"]


validated = factories.stored_student


def test_rec_1_forgot_password_by_a_validated_channel(runtime):
    account_id = validated(
        runtime,
        cccid="AAA0001",
        email="winnie@test.com",
        email_validated=True,
        phone="+19164452841",
        phone_validated=True,
    )
    flow = SignInFlow(runtime)
    flow.submit_identifier("winnie@test.com")
    forgot = flow.forgot_password()
    assert forgot.channels == ("email", "sms")
    assert forgot.choose("sms") is ForgotStep.CODE
    assert forgot.submit_code(code_for(runtime, "+19164452841")) is ForgotStep.NEW_PASSWORD
    assert forgot.submit_new_password("Fresh#Start8", "Fresh#Start8") is ForgotStep.DONE
    assert runtime.hasher.verify("Fresh#Start8", stored(runtime, account_id).password_hash).ok


def test_rec_1_unknown_identifier_goes_through_the_same_pages_and_no_code_is_sent(runtime):
    flow = SignInFlow(runtime)
    flow.submit_identifier("nobody@test.com")
    forgot = flow.forgot_password()
    assert forgot.channels == ("email", "sms")
    assert forgot.choose("sms") is ForgotStep.CODE
    assert forgot.submit_code("123456") is ForgotStep.CODE and forgot.message == CODE_WRONG
    assert notify.recent(runtime) == []


def test_rec_1_an_account_with_nothing_validated_looks_unknown(runtime):
    validated(runtime, cccid="AAA0001", email="winnie@test.com")
    flow = SignInFlow(runtime)
    flow.submit_identifier("winnie@test.com")
    forgot = flow.forgot_password()
    assert forgot.choose("email") is ForgotStep.CODE
    assert notify.recent(runtime) == []


def test_rec_2_email_on_file_shows_the_username_and_sends_a_one_time_password(runtime):
    account_id = validated(runtime, cccid="AAA0001", email="winnie@test.com", username="winnie01")
    flow = RecoverAccountFlow(runtime)
    flow.choose(RecoverStep.BY_EMAIL)
    assert flow.submit_email("WINNIE@test.com") is RecoverStep.ONE_TIME_PASSWORD_SENT
    assert flow.username == ""  # the user name goes into the message, not onto the screen
    (message,) = notify.recent(runtime, to="winnie@test.com")
    body = message.body or ""
    assert "Your user name is: winnie01" in body
    one_time = body.split("One-time password: ")[1].split()[0]
    assert not stored(runtime, account_id).must_change_password  # a request changes nothing yet
    signed = SignInFlow(runtime)
    signed.submit_identifier("winnie@test.com")
    signed.submit_password(one_time)
    assert signed.step in (Step.VALIDATION_CODE, Step.UPDATE_PASSWORD)
    assert stored(runtime, account_id).must_change_password


def test_rec_3_identity_then_secret_question_then_new_password(runtime):
    answer_hash = runtime.hasher.hash("mr. whiskers")
    account_id = validated(
        runtime,
        cccid="AAA0001",
        email="winnie@test.com",
        username="winnie01",
        secret_question="What was the name of your first pet?",
        secret_answer_hash=answer_hash,
    )
    flow = RecoverAccountFlow(runtime)
    flow.choose(RecoverStep.BY_IDENTITY)
    assert flow.submit_identity("winnie", "POOH", "2000-01-02", cccid="aaa0001") is RecoverStep.FOUND
    assert flow.username == "winnie01"
    assert flow.reset_password() is RecoverStep.SECRET_QUESTION
    assert flow.question == "What was the name of your first pet?"
    assert flow.submit_answer("Mr Whiskers") is RecoverStep.SECRET_QUESTION
    assert flow.submit_answer(" MR.  whiskers") is RecoverStep.NEW_PASSWORD
    assert flow.submit_new_password("Fresh#Start8", "Fresh#Start8") is RecoverStep.DONE
    assert runtime.hasher.verify("Fresh#Start8", stored(runtime, account_id).password_hash).ok


def test_rec_3_ssn_last4_path(runtime):
    runtime.settings = runtime.settings.model_copy(update={"ssn_hash_key": SecretStr("k")})
    validated(runtime, cccid="AAA0001", email="w@test.com", ssn_last4_hash=ssn_digest("1234", b"k"))
    flow = RecoverAccountFlow(runtime)
    flow.choose(RecoverStep.BY_IDENTITY)
    assert flow.submit_identity("Winnie", "Pooh", "2000-01-02", ssn_last4="9999") is RecoverStep.BY_IDENTITY
    assert flow.message == NOT_FOUND
    assert flow.submit_identity("Winnie", "Pooh", "2000-01-02", ssn_last4="1234") is RecoverStep.FOUND


def test_rec_3_five_failures_of_any_kind_end_the_path(runtime):
    validated(runtime, cccid="AAA0001", email="winnie@test.com")
    flow = RecoverAccountFlow(runtime)
    flow.choose(RecoverStep.BY_IDENTITY)
    for attempt in range(4):
        assert (
            flow.submit_identity("Winnie", "Pooh", "2000-01-0" + str(3 + attempt), cccid="AAA0001")
            is RecoverStep.BY_IDENTITY
        )
        assert flow.message == NOT_FOUND
    assert flow.submit_identity("Nobody", "Pooh", "2000-01-02", cccid="AAA0001") is RecoverStep.ENDED
    assert flow.message == CONTACT_SUPPORT


def test_rec_3_both_paths_are_off_under_nist(runtime):
    runtime.settings = runtime.settings.model_copy(update={"policy_profile": "nist"})
    with pytest.raises(ServiceError, match="not offered"):
        RecoverAccountFlow(runtime)


def test_app_1_2_applications_record_a_confirmation_and_fraud_status_7_on_behalf(runtime, staff_made):
    student = session_of(staff_made)
    terms = applications.upcoming_terms(NOW.date())
    assert terms == ["Spring 2027", "Summer 2027", "Fall 2027", "Spring 2028"]
    ((college_id, _),) = applications.colleges(runtime)
    standard = applications.start_application(runtime, student, ApplicationType.STANDARD, college_id, terms[0])
    promise = applications.start_application(runtime, student, ApplicationType.PROMISE_GRANT, college_id, terms[0])
    assert re.fullmatch(r"\d{8}", standard) and standard != promise
    with read_session(runtime.engine) as db:
        rows = {a.confirmation_number: a for a in db.exec(select(Application))}
    assert rows[standard].fraud_status == 7 and rows[promise].fraud_status is None
    listed = applications.list_applications(runtime, student)
    assert [a.confirmation_number for a in listed] == [promise, standard]
    with pytest.raises(ServiceError):
        applications.start_application(runtime, student, ApplicationType.STANDARD, college_id, "Fall 1999")


def test_app_2_no_fraud_status_once_reclaimed(runtime, staff_made):
    with write_session(runtime.engine) as db:
        db.get_one(StudentAccount, staff_made.account_id).idme_workflow_status = "not_started"
    student = session_of(staff_made)
    ((college_id, _),) = applications.colleges(runtime)
    number = applications.start_application(runtime, student, ApplicationType.NONCREDIT, college_id, "Fall 2027")
    with read_session(runtime.engine) as db:
        assert db.exec(select(Application).where(Application.confirmation_number == number)).one().fraud_status is None


def test_staff_5_recovery_and_reclaim_leave_no_secret_in_the_audit(runtime, staff_made):
    student = session_of(staff_made)
    student_profile.save_profile(
        runtime,
        student,
        profile_changes(
            runtime, student, **{"secret-question": "What was the name of your first pet?", "secret-answer": "Whiskers"}
        ),
    )
    with read_session(runtime.engine) as db:
        details = " ".join(e.detail for e in db.exec(select(AuditEvent)))
    assert "Whiskers" not in details and "whiskers" not in details
